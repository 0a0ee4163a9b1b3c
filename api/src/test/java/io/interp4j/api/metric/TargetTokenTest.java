package io.interp4j.api.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.api.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetTokenTest {
    @TempDir
    static Path dir;

    static HfTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, ByteLevelBpe.train(ByteLevelBpe.MIN_VOCAB).toJson());
        tokenizer = HfTokenizer.load(file);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void tokenIdsPassThrough() {
        assertThat(TargetToken.resolve("#42", TargetToken.Rule.EXACT, tokenizer)).isEqualTo(42);
    }

    @Test
    void aTokenIdBeyondAnIntIsAProblemNotACrash() {
        assertThatThrownBy(() -> TargetToken.resolve("#99999999999", TargetToken.Rule.EXACT, tokenizer))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("target '#99999999999' names token id 99999999999, beyond any vocabulary; allowed: #0 .. #2147483647, or text");
    }

    @Test
    void singleCharacterTargetsFollowTheSpellingRule() {
        // a bytes-only vocabulary: every byte is its own token, so "a" is token 97 and " a" two tokens
        assertThat(TargetToken.resolve("a", TargetToken.Rule.EXACT, tokenizer)).isEqualTo('a');
        assertThat(TargetToken.resolve("a", TargetToken.Rule.FIRST_TOKEN, tokenizer)).isEqualTo('a');
        assertThat(TargetToken.Rule.parse("leading-space")).isEqualTo(TargetToken.Rule.LEADING_SPACE);
        assertThat(TargetToken.resolve("Rome", TargetToken.Rule.FIRST_TOKEN, tokenizer)).isEqualTo('R');
    }

    @Test
    void multiTokenTargetsSayWhatTheyBecame() {
        assertThatThrownBy(() -> TargetToken.resolve("Rome", TargetToken.Rule.LEADING_SPACE, tokenizer))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("' Rome' is not a single token")
                .hasMessageContaining("5 tokens [32, 82, 111, 109, 101]")
                .hasMessageContaining("\" \", \"R\", \"o\", \"m\", \"e\"");
    }

    @Test
    void unknownRuleListsTheRules() {
        assertThatThrownBy(() -> TargetToken.Rule.parse("lower"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("exact, leading-space, first-token");
    }
}
