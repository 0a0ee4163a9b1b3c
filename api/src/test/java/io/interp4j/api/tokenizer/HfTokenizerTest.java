package io.interp4j.api.tokenizer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HfTokenizerTest {
    @TempDir
    static Path tmp;

    private static HfTokenizer tokenizer;
    private static HfTokenizer bytesOnly;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = HfTokenizer.load(Files.writeString(tmp.resolve("tokenizer.json"), ByteLevelBpe.train(300).toJson()));
        bytesOnly = HfTokenizer.load(Files.writeString(tmp.resolve("bytes.json"), ByteLevelBpe.train(257).toJson()));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        bytesOnly.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "The capital of France is Paris.",
            "héllo wörld 😀",
            "def add(a, b):\n    return a + b\n\nprint(add(1, 2))  # 3\n",
            "  leading and trailing spaces  ",
            "tabs\tand\r\nwindows line ends",
            "{\"name\": \"Bob\", \"age\": 32}",
            "日本語のテキスト and Ελληνικά",
            "a , b . c ' s don't",
            ""})
    void roundTrips(String text) {
        int[] ids = tokenizer.encode(text);
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
        assertThat(java.util.Arrays.stream(ids).allMatch(id -> id >= 0 && id < 300)).isTrue();
    }

    @Test
    void longInputIsNotTruncated() {
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (text.length() < 2000) {
            text.append("line ").append(i++).append(": héllo wörld 😀 {x: [1, 2]};\n");
        }
        String input = text.substring(0, 2000);
        assertThat(input).hasSize(2000);
        int[] ids = tokenizer.encode(input);
        assertThat(ids.length).isGreaterThan(512);
        assertThat(tokenizer.decode(ids)).isEqualTo(input);
    }

    @Test
    void bytesOnlyTokenizerGivesTheUtf8Bytes() {
        // no merges: every token is one byte and its id is the byte's value
        assertThat(bytesOnly.encode("Hi!")).containsExactly(72, 105, 33);
        assertThat(bytesOnly.encode("é")).containsExactly(0xC3, 0xA9);
        String text = "The capital of France is Paris.";
        assertThat(bytesOnly.encode(text)).hasSize(text.getBytes(UTF_8).length);
    }

    @Test
    void mergesShortenCommonEnglish() throws IOException {
        String text = "The capital of France is Paris. The capital of Italy is Rome.";
        int bytes = text.getBytes(UTF_8).length;
        try (HfTokenizer full = HfTokenizer.load(Files.writeString(tmp.resolve("full.json"), ByteLevelBpe.train(ByteLevelBpe.MAX_VOCAB).toJson()))) {
            assertThat(full.encode(text).length).isLessThan(bytes / 2);
        }
        // 300 ids leave 43 merges, all space + letter (a-z, A-Q): each of the 11 words after a space is one
        // token shorter, except " The" and " Rome"
        assertThat(tokenizer.encode(text).length).isEqualTo(bytes - 9);
    }

    @Test
    void endOfTextIsOneSpecialToken() {
        assertThat(tokenizer.encode("<|endoftext|>")).containsExactly(299);
        assertThat(tokenizer.decode(new int[] {299})).isEqualTo("<|endoftext|>");
        int[] ids = tokenizer.encode("Hi<|endoftext|>");
        assertThat(ids[ids.length - 1]).isEqualTo(299);
    }

    @Test
    void unreadableFileIsNamed() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{ not a tokenizer");
        assertThatThrownBy(() -> HfTokenizer.load(bad))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(bad.toString());
        Path missing = tmp.resolve("missing.json");
        assertThatThrownBy(() -> HfTokenizer.load(missing))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(missing.toString());
    }
}
