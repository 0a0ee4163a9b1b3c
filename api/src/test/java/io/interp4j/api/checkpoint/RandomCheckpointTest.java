package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomCheckpointTest {
    private static final ModelConfig TINY = ModelConfig.of(300, 16, 32, 2, 4, 2, false);

    @TempDir
    Path tmp;

    private List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void sameSeedGivesIdenticalBytes() throws IOException {
        RandomCheckpoint.write(tmp.resolve("a"), TINY, DType.F32, 42);
        RandomCheckpoint.write(tmp.resolve("b"), TINY, DType.F32, 42);
        for (String name : List.of("model.safetensors", "config.json", "tokenizer.json")) {
            assertThat(Files.mismatch(tmp.resolve("a").resolve(name), tmp.resolve("b").resolve(name)))
                    .as(name).isEqualTo(-1L);
        }
    }

    @Test
    void differentSeedGivesDifferentWeights() throws IOException {
        RandomCheckpoint.write(tmp.resolve("a"), TINY, DType.F32, 42);
        RandomCheckpoint.write(tmp.resolve("b"), TINY, DType.F32, 43);
        Path a = tmp.resolve("a").resolve("model.safetensors");
        Path b = tmp.resolve("b").resolve("model.safetensors");
        assertThat(Files.size(a)).isEqualTo(Files.size(b));
        assertThat(Files.mismatch(a, b)).isNotEqualTo(-1L);
    }

    @Test
    void writesACompleteDirectory() throws IOException {
        Path dir = tmp.resolve("m");
        ModelConfig written = RandomCheckpoint.write(dir, TINY, DType.F32, 1);
        assertThat(listing(dir)).containsExactly("config.json", "model.safetensors", "tokenizer.json");
        // a vocab-300 tokenizer: 256 bytes, 43 merges, <|endoftext|> = 299
        assertThat(written.eosTokenId()).isEqualTo(OptionalInt.of(299));
        assertThat(written.bosTokenId()).isEqualTo(OptionalInt.of(299));
        assertThat(written.torchDtype()).isEqualTo("float32");
        assertThat(written.hiddenSize()).isEqualTo(16);
        assertThat(ModelConfig.read(dir.resolve("config.json"))).isEqualTo(written);
        // no staging directory left beside it
        assertThat(listing(tmp)).containsExactly("m");
    }

    @Test
    void weightsHaveTheDocumentedScale() {
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(dir, TINY, DType.F32, 3);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            // embedding: N(0, 1/d) with d = 16 -> std 0.25 over 4800 samples (standard error of the std ~0.0026)
            float[] embed = checkpoint.readFloats("model.embed_tokens.weight");
            assertThat(mean(embed)).isCloseTo(0.0, within(0.02));
            assertThat(std(embed)).isCloseTo(0.25, within(0.02));
            // down_proj: N(0, 1/fan_in) with fan_in = d_mlp = 32 -> std 0.177 over 512 samples
            assertThat(std(checkpoint.readFloats("model.layers.0.mlp.down_proj.weight"))).isCloseTo(Math.sqrt(1.0 / 32), within(0.03));
            // RMSNorm weights: 1 + N(0, 0.01) over 16 samples
            assertThat(mean(checkpoint.readFloats("model.layers.1.input_layernorm.weight"))).isCloseTo(1.0, within(0.1));
        }
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static double std(float[] values) {
        double m = mean(values);
        double sum = 0;
        for (float v : values) {
            sum += (v - m) * (v - m);
        }
        return Math.sqrt(sum / values.length);
    }

    @Test
    void bf16ConfigRecordsTheDtype() {
        ModelConfig written = RandomCheckpoint.write(tmp.resolve("m"), TINY, DType.BF16, 1);
        assertThat(written.torchDtype()).isEqualTo("bfloat16");
    }

    @Test
    void acceptsAnEmptyExistingDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        RandomCheckpoint.write(dir, TINY, DType.F32, 1);
        assertThat(listing(dir)).contains("model.safetensors");
    }

    @Test
    void refusesANonEmptyDirectoryAndLeavesItUntouched() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(dir.resolve("keep.txt"), "precious");
        assertThatThrownBy(() -> RandomCheckpoint.write(dir, TINY, DType.F32, 1))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("not empty");
        assertThat(listing(dir)).containsExactly("keep.txt");
        assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("precious");
        assertThat(listing(tmp)).containsExactly("busy");
    }

    @Test
    void refusesFloat16AndTinyVocabularies() {
        assertThatThrownBy(() -> RandomCheckpoint.write(tmp.resolve("m"), TINY, DType.F16, 1))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("float32, bfloat16");
        assertThatThrownBy(() -> RandomCheckpoint.write(tmp.resolve("m"), ModelConfig.of(256, 16, 32, 1, 4, 2, true), DType.F32, 1))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("256")
                .hasMessageContaining(">= 257");
        assertThat(tmp.resolve("m")).doesNotExist();
    }

    @Test
    void qwen25HalfBillionPreset() {
        ModelConfig c = RandomCheckpoint.preset("qwen2.5-0.5b");
        assertThat(c.vocabSize()).isEqualTo(151_936);
        assertThat(c.hiddenSize()).isEqualTo(896);
        assertThat(c.intermediateSize()).isEqualTo(4864);
        assertThat(c.numLayers()).isEqualTo(24);
        assertThat(c.numHeads()).isEqualTo(14);
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        // published: 0.49B; the exact arithmetic is checked in ModelConfigTest
        assertThat(c.parameterCount()).isEqualTo(494_032_768L);
    }

    @Test
    void qwen25OnePointFiveBillionPreset() {
        ModelConfig c = RandomCheckpoint.preset("qwen2.5-1.5b");
        assertThat(c.vocabSize()).isEqualTo(151_936);
        assertThat(c.hiddenSize()).isEqualTo(1536);
        assertThat(c.intermediateSize()).isEqualTo(8960);
        assertThat(c.numLayers()).isEqualTo(28);
        assertThat(c.numHeads()).isEqualTo(12);
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.tieWordEmbeddings()).isTrue();
        // published: 1.54B. Per layer: norms 2*1536 = 3072; q 1536*1536 + 1536 = 2_360_832;
        // k, v 2 * (1536*256 + 256) = 786_944; o 1536*1536 = 2_359_296; mlp 3*1536*8960 = 41_287_680
        // -> 46_797_824; x 28 = 1_310_339_072; embedding 151936*1536 = 233_373_696; final norm 1536.
        assertThat(c.parameterCount()).isEqualTo(1_543_714_304L);
    }

    @Test
    void unknownPresetListsAllowed() {
        assertThatThrownBy(() -> RandomCheckpoint.preset("qwen2.5-7b"))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("'qwen2.5-7b'")
                .hasMessageContaining("qwen2.5-0.5b")
                .hasMessageContaining("qwen2.5-1.5b");
    }

    @Test
    void aGivenTokenizerIsWrittenWithItsOwnEosToken() throws IOException {
        // a 280-token vocabulary: its end-of-text token is 279, an ordinary merge in the 300-token toy tokenizer
        ByteLevelBpe other = ByteLevelBpe.train(280);
        Path file = Files.writeString(tmp.resolve("tokenizer.json"), other.toJson());
        Path dir = tmp.resolve("m");
        ModelConfig written = RandomCheckpoint.write(dir, TINY, DType.F32, 1, file, ByteLevelBpe.END_OF_TEXT);
        assertThat(written.eosTokenId()).hasValue(other.endOfTextId());
        assertThat(written.bosTokenId()).hasValue(other.endOfTextId());
        assertThat(Files.readString(dir.resolve("tokenizer.json"))).isEqualTo(other.toJson());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.config().eosTokenId()).hasValue(279);
        }
    }

    @Test
    void aGivenTokenizerMustHoldTheEosTokenAndFitTheVocabulary() throws IOException {
        Path file = Files.writeString(tmp.resolve("tokenizer.json"), ByteLevelBpe.train(280).toJson());
        assertThatThrownBy(() -> RandomCheckpoint.write(tmp.resolve("a"), TINY, DType.F32, 1, file, "</s>"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage(file + ": '</s>' is not a special token of this tokenizer, so it cannot end generation; its special tokens: "
                        + "<|endoftext|> = 279");
        ModelConfig small = ModelConfig.of(270, 16, 32, 2, 4, 2, false);
        assertThatThrownBy(() -> RandomCheckpoint.write(tmp.resolve("b"), small, DType.F32, 1, file, ByteLevelBpe.END_OF_TEXT))
                .hasMessage(file + ": holds token id 279, which does not fit a vocabulary of 270; allowed: --vocab >= 280");
        assertThat(tmp.resolve("a")).doesNotExist();
        assertThat(tmp.resolve("b")).doesNotExist();
    }
}
