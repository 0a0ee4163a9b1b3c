package io.interp4j.api.tokenizer;

import io.interp4j.api.Interp4jException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTest {
    @Test
    void vocabularyHasTheRequestedSize() {
        ByteLevelBpe bpe = ByteLevelBpe.train(300);
        assertThat(bpe.vocabSize()).isEqualTo(300);
        assertThat(bpe.endOfTextId()).isEqualTo(299);
        ByteLevelBpe bytesOnly = ByteLevelBpe.train(ByteLevelBpe.MIN_VOCAB);
        assertThat(bytesOnly.vocabSize()).isEqualTo(257);
        assertThat(bytesOnly.endOfTextId()).isEqualTo(256);
    }

    @Test
    void trainingIsDeterministic() {
        assertThat(ByteLevelBpe.train(300).toJson()).isEqualTo(ByteLevelBpe.train(300).toJson());
    }

    @Test
    void sizeOutsideTheRangeIsRefused() {
        assertThatThrownBy(() -> ByteLevelBpe.train(256)).isInstanceOf(Interp4jException.class).hasMessageContaining("256");
        assertThatThrownBy(() -> ByteLevelBpe.train(ByteLevelBpe.MAX_VOCAB + 1)).isInstanceOf(Interp4jException.class);
    }

    @Test
    void largestVocabularyStopsWhenNoPairRepeats() {
        ByteLevelBpe bpe = ByteLevelBpe.train(ByteLevelBpe.MAX_VOCAB);
        assertThat(bpe.vocabSize()).isBetween(300, ByteLevelBpe.MAX_VOCAB);
        assertThat(bpe.endOfTextId()).isEqualTo(bpe.vocabSize() - 1);
    }

    @Test
    void noMergeInvolvesADigit() {
        // the corpus repeats "42" and "126": without the rule they would merge
        ByteLevelBpe bpe = ByteLevelBpe.train(ByteLevelBpe.MAX_VOCAB);
        JsonObject vocab = JsonParser.parseString(bpe.toJson()).getAsJsonObject().getAsJsonObject("model").getAsJsonObject("vocab");
        assertThat(vocab.keySet()).filteredOn(token -> token.length() > 1 && token.chars().anyMatch(Character::isDigit)).isEmpty();
    }

    @Test
    void aWordStartsWithItsOwnTokenNotABareSpace(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        ByteLevelBpe bpe = ByteLevelBpe.train(ByteLevelBpe.MAX_VOCAB);
        java.nio.file.Path file = dir.resolve("tokenizer.json");
        java.nio.file.Files.writeString(file, bpe.toJson());
        try (HfTokenizer tokenizer = HfTokenizer.load(file)) {
            // invented words the corpus never saw, for every initial letter
            for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray()) {
                int[] ids = tokenizer.encode(" " + c + "qxq");
                assertThat(tokenizer.decode(new int[] {ids[0]})).as("first token of ' %sqxq'", c).isEqualTo(" " + c);
            }
        }
    }

    @Test
    void tokenizerJsonHasEveryIdOnce() {
        ByteLevelBpe bpe = ByteLevelBpe.train(300);
        JsonObject root = JsonParser.parseString(bpe.toJson()).getAsJsonObject();
        JsonObject model = root.getAsJsonObject("model");
        assertThat(model.get("type").getAsString()).isEqualTo("BPE");
        JsonObject vocab = model.getAsJsonObject("vocab");
        assertThat(vocab.size()).isEqualTo(300);
        Set<Integer> ids = new HashSet<>();
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            ids.add(e.getValue().getAsInt());
        }
        assertThat(ids).hasSize(300);
        assertThat(ids).allMatch(id -> id >= 0 && id < 300);
        assertThat(model.getAsJsonArray("merges")).hasSize(300 - 257);
        // GPT-2's byte map: printable ASCII maps to itself, the space (the 33rd unprintable byte) to U+0120 'Ġ'
        assertThat(vocab.get("A").getAsInt()).isEqualTo(65);
        assertThat(vocab.get("!").getAsInt()).isEqualTo(33);
        assertThat(vocab.get("\u0120").getAsInt()).isEqualTo(32);
        assertThat(vocab.get("\u0100").getAsInt()).isEqualTo(0);
        assertThat(vocab.get(ByteLevelBpe.END_OF_TEXT).getAsInt()).isEqualTo(299);
        JsonObject added = root.getAsJsonArray("added_tokens").get(0).getAsJsonObject();
        assertThat(added.get("content").getAsString()).isEqualTo("<|endoftext|>");
        assertThat(added.get("id").getAsInt()).isEqualTo(299);
        assertThat(added.get("special").getAsBoolean()).isTrue();
        assertThat(root.get("truncation").isJsonNull()).isTrue();
        assertThat(root.get("padding").isJsonNull()).isTrue();
    }
}
