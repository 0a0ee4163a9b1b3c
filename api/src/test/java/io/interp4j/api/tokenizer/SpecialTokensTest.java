package io.interp4j.api.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecialTokensTest {
    @TempDir
    Path dir;

    @Test
    void readsTheAddedTokensMarkedSpecial() throws IOException {
        ByteLevelBpe bpe = ByteLevelBpe.train(300);
        Path file = Files.writeString(dir.resolve("tokenizer.json"), bpe.toJson());
        SpecialTokens special = SpecialTokens.read(file);
        assertThat(special.byId()).containsExactly(Map.entry(bpe.endOfTextId(), ByteLevelBpe.END_OF_TEXT));
        assertThat(special.contains(bpe.endOfTextId())).isTrue();
        assertThat(special.contains(65)).isFalse();
        assertThat(special.idOf("<|endoftext|>")).hasValue(bpe.endOfTextId());
        assertThat(special.idOf("<|im_end|>")).isEmpty();
    }

    @Test
    void keepsOnlySpecialEntriesWhereverTheListStands() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"vocab": {"a": 0}, "merges": []},
                 "added_tokens": [
                   {"id": 7, "content": "<|im_end|>", "special": true, "lstrip": false},
                   {"id": 8, "content": "plain", "special": false},
                   {"id": 3, "content": "<|endoftext|>", "special": true}]}
                """);
        SpecialTokens special = SpecialTokens.read(file);
        assertThat(special.byId()).containsExactly(Map.entry(3, "<|endoftext|>"), Map.entry(7, "<|im_end|>"));
        assertThat(special.describe()).isEqualTo("<|endoftext|> = 3, <|im_end|> = 7");
        Path none = Files.writeString(dir.resolve("none.json"), "{\"model\": {}}");
        assertThat(SpecialTokens.read(none).byId()).isEmpty();
        assertThat(SpecialTokens.read(none).describe()).isEqualTo("none");
    }

    @Test
    void aFileThatIsNoTokenizerIsNamed() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.json"), "[1, 2]");
        assertThatThrownBy(() -> SpecialTokens.read(bad)).isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(bad + ": not a tokenizer.json object");
        assertThatThrownBy(() -> SpecialTokens.read(dir.resolve("missing.json"))).hasMessage(dir.resolve("missing.json") + ": not found");
    }
}
