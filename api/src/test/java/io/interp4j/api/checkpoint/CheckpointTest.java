package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    /** vocab 300, d_model 16, d_mlp 32, 2 layers, 4 query heads, 2 kv heads (head_dim 4), untied. */
    private static final ModelConfig UNTIED = ModelConfig.of(300, 16, 32, 2, 4, 2, false);
    private static final ModelConfig TIED = ModelConfig.of(300, 16, 32, 2, 4, 2, true);

    @TempDir
    Path tmp;

    private record Tensor(long[] shape, float[] values) {}

    private Path model(ModelConfig config) {
        Path dir = tmp.resolve("model");
        RandomCheckpoint.write(dir, config, DType.F32, 7);
        return dir;
    }

    private static Map<String, Tensor> readAll(Path file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (TensorInfo info : st.tensors().values()) {
                tensors.put(info.name(), new Tensor(info.shape(), st.readFloats(info)));
            }
        }
        return tensors;
    }

    private static void writeAll(Path file, Map<String, Tensor> tensors) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        tensors.forEach((name, t) -> entries.add(new SafetensorsWriter.Entry(name, DType.F32, t.shape(), t::values)));
        SafetensorsWriter.write(file, entries, Map.of("format", "pt"));
    }

    /** Rewrites the directory's model.safetensors after applying a change to its tensors. */
    private static void rewrite(Path dir, Consumer<Map<String, Tensor>> change) {
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        Map<String, Tensor> tensors = readAll(file);
        change.accept(tensors);
        writeAll(file, tensors);
    }

    private static Consumer<Interp4jException> code(ErrorCode expected) {
        return e -> assertThat(e.code()).isEqualTo(expected);
    }

    @Test
    void opensAWrittenModel() {
        Path dir = model(UNTIED);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.directory()).isEqualTo(dir);
            assertThat(checkpoint.config().hiddenSize()).isEqualTo(16);
            assertThat(checkpoint.config().numLayers()).isEqualTo(2);
            // 1 embedding + 2 layers x 12 tensors + final norm + lm_head
            assertThat(checkpoint.tensorNames()).hasSize(27)
                    .contains("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight",
                            "model.layers.1.self_attn.k_proj.bias", "model.layers.0.mlp.down_proj.weight");
            assertThat(checkpoint.info("model.layers.0.self_attn.q_proj.weight").shape()).containsExactly(16, 16);
            assertThat(checkpoint.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(8, 16);
            assertThat(checkpoint.info("model.layers.0.mlp.down_proj.weight").shape()).containsExactly(16, 32);
            assertThat(checkpoint.info("model.embed_tokens.weight").shape()).containsExactly(300, 16);
            assertThat(checkpoint.storageType()).isEqualTo(DType.F32);
            // parameters: embed 4800 + lm_head 4800 + norm 16 + 2 x (2*16 + 16*16+16 + 2*(8*16+8) + 16*16 + 3*16*32 = 2368)
            assertThat(checkpoint.float32WeightBytes()).isEqualTo(4L * 14_352);
            assertThat(checkpoint.tokenizerFile()).contains(dir.resolve("tokenizer.json"));
            assertThat(checkpoint.weightFiles()).containsExactly(dir.resolve("model.safetensors"));
            assertThat(checkpoint.readFloats("model.norm.weight")).hasSize(16);
            assertThat(checkpoint.float32("model.embed_tokens.weight").remaining()).isEqualTo(300 * 16 * 4);
            assertThatThrownBy(() -> checkpoint.info("model.layers.5.mlp.up_proj.weight"))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("'model.layers.5.mlp.up_proj.weight'");
        }
    }

    @Test
    void opensBf16Storage() {
        Path dir = tmp.resolve("bf16");
        RandomCheckpoint.write(dir, UNTIED, DType.BF16, 7);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.storageType()).isEqualTo(DType.BF16);
            assertThat(checkpoint.info("model.norm.weight").byteCount()).isEqualTo(32);
            for (float v : checkpoint.readFloats("model.layers.0.mlp.up_proj.weight")) {
                assertThat(Float.floatToRawIntBits(v) & 0xffff).isZero(); // widened bf16 has empty low bits
            }
        }
    }

    @Test
    void anEosTokenThatIsOrdinaryInTheTokenizerBesideItIsRefused() throws IOException {
        Path dir = model(UNTIED);
        // swap in a smaller tokenizer: the config's eos id is one of its ordinary merges now
        ByteLevelBpe smaller = ByteLevelBpe.train(280);
        int eos;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            eos = checkpoint.config().eosTokenId().getAsInt();
        }
        Files.writeString(dir.resolve(Checkpoint.TOKENIZER_FILE), smaller.toJson());
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CHECKPOINT))
                .hasMessage(dir.resolve("config.json") + ": eos_token_id " + eos + " is not a special token of " + dir.resolve("tokenizer.json")
                        + ", so generation would stop on an ordinary token; its special tokens: <|endoftext|> = 279. Set eos_token_id to"
                        + " the one that ends text (random-model --tokenizer FILE does).");
        // without a tokenizer nothing is there to disagree with
        Files.delete(dir.resolve(Checkpoint.TOKENIZER_FILE));
        Checkpoint.open(dir).close();
    }

    @Test
    void missingTensorIsNamed() {
        Path dir = model(UNTIED);
        rewrite(dir, t -> t.remove("model.layers.1.self_attn.v_proj.bias"));
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("1 checkpoint problem")
                .hasMessageContaining("missing tensor 'model.layers.1.self_attn.v_proj.bias'")
                .hasMessageContaining("[8]");
    }

    @Test
    void extraTensorIsNamed() {
        Path dir = model(UNTIED);
        rewrite(dir, t -> t.put("model.layers.2.mlp.up_proj.weight", new Tensor(new long[] {32, 16}, new float[512])));
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("unexpected tensor 'model.layers.2.mlp.up_proj.weight'")
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("2 layers");
    }

    @Test
    void wrongShapeIsNamed() {
        Path dir = model(UNTIED);
        rewrite(dir, t -> t.put("model.layers.0.mlp.down_proj.weight", new Tensor(new long[] {16, 31}, new float[16 * 31])));
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("'model.layers.0.mlp.down_proj.weight'")
                .hasMessageContaining("[16, 31]")
                .hasMessageContaining("[16, 32]");
    }

    @Test
    void allProblemsAreReportedTogether() {
        Path dir = model(UNTIED);
        rewrite(dir, t -> {
            t.remove("model.norm.weight");
            t.put("extra.weight", new Tensor(new long[] {1}, new float[1]));
            t.put("model.embed_tokens.weight", new Tensor(new long[] {299, 16}, new float[299 * 16]));
        });
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("3 checkpoint problem(s)")
                .hasMessageContaining("missing tensor 'model.norm.weight'")
                .hasMessageContaining("unexpected tensor 'extra.weight'")
                .hasMessageContaining("'model.embed_tokens.weight' has shape [299, 16]");
    }

    @Test
    void untiedModelNeedsLmHead() {
        Path dir = model(UNTIED);
        rewrite(dir, t -> t.remove("lm_head.weight"));
        assertThatThrownBy(() -> Checkpoint.open(dir)).hasMessageContaining("missing tensor 'lm_head.weight'");
    }

    @Test
    void tiedModelAcceptsAnExtraLmHead() {
        Path dir = model(TIED);
        try (Checkpoint plain = Checkpoint.open(dir)) {
            assertThat(plain.tensorNames()).hasSize(26).doesNotContain("lm_head.weight");
        }
        rewrite(dir, t -> t.put("lm_head.weight", t.get("model.embed_tokens.weight")));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.config().tieWordEmbeddings()).isTrue();
            assertThat(checkpoint.tensorNames()).contains("lm_head.weight");
        }
    }

    @Test
    void shardedCheckpointOpens() throws IOException {
        Path dir = model(UNTIED);
        Map<String, Tensor> all = readAll(dir.resolve(Checkpoint.SINGLE_FILE));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        JsonObject weightMap = new JsonObject();
        all.forEach((name, t) -> {
            boolean early = name.startsWith("model.embed") || name.startsWith("model.layers.0.");
            (early ? first : second).put(name, t);
            weightMap.addProperty(name, early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        });
        writeAll(dir.resolve("model-00001-of-00002.safetensors"), first);
        writeAll(dir.resolve("model-00002-of-00002.safetensors"), second);
        JsonObject index = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", 4 * 14_352);
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.toString());
        Files.delete(dir.resolve(Checkpoint.SINGLE_FILE));

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.weightFiles()).containsExactly(
                    dir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00002-of-00002.safetensors"));
            assertThat(checkpoint.tensorNames()).hasSize(27);
            assertThat(checkpoint.info("model.embed_tokens.weight").file()).isEqualTo(dir.resolve("model-00001-of-00002.safetensors"));
            assertThat(checkpoint.info("lm_head.weight").file()).isEqualTo(dir.resolve("model-00002-of-00002.safetensors"));
            assertThat(checkpoint.readFloats("model.layers.0.self_attn.q_proj.bias"))
                    .containsExactly(all.get("model.layers.0.self_attn.q_proj.bias").values());
            assertThat(checkpoint.readFloats("model.layers.1.mlp.gate_proj.weight"))
                    .containsExactly(all.get("model.layers.1.mlp.gate_proj.weight").values());
        }
    }

    @Test
    void indexNamingAMissingShardFails() throws IOException {
        Path dir = model(UNTIED);
        JsonObject weightMap = new JsonObject();
        for (String name : readAll(dir.resolve(Checkpoint.SINGLE_FILE)).keySet()) {
            weightMap.addProperty(name, name.equals("lm_head.weight") ? "model-00002-of-00002.safetensors" : "model.safetensors");
        }
        JsonObject index = new JsonObject();
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.toString());
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining(Checkpoint.INDEX_FILE);
    }

    @Test
    void indexMappingATensorToTheWrongShardFails() throws IOException {
        Path dir = model(UNTIED);
        JsonObject weightMap = new JsonObject();
        for (String name : readAll(dir.resolve(Checkpoint.SINGLE_FILE)).keySet()) {
            weightMap.addProperty(name, "model.safetensors");
        }
        weightMap.addProperty("model.layers.9.mlp.up_proj.weight", "model.safetensors");
        JsonObject index = new JsonObject();
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.toString());
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("'model.layers.9.mlp.up_proj.weight'")
                .hasMessageContaining("does not hold it");
    }

    @Test
    void indexWithoutWeightMapFails() throws IOException {
        Path dir = model(UNTIED);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\": {}}");
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(Checkpoint.INDEX_FILE)
                .hasMessageContaining("weight_map");
    }

    private static final byte[] GARBAGE = "\u0080\u0002}q\u0000(X\u0006\u0000\u0000\u0000not a real pickle, never read"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    @Test
    void pickleCheckpointIsRefused() throws IOException {
        Path dir = tmp.resolve("pickled");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), UNTIED.toJson());
        Files.write(dir.resolve("pytorch_model.bin"), GARBAGE);
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("pickle")
                .hasMessageContaining("pytorch_model.bin")
                .hasMessageContaining("safetensors");
    }

    @Test
    void directoryWithOnlyAPickleIsRefusedAsPickle() throws IOException {
        Path dir = tmp.resolve("only-bin");
        Files.createDirectories(dir);
        Files.write(dir.resolve("pytorch_model.bin"), GARBAGE);
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("pickle")
                .hasMessageContaining("pytorch_model.bin");
    }

    @Test
    void safetensorsArePreferredOverAPickleBeside() throws IOException {
        Path dir = model(UNTIED);
        Files.write(dir.resolve("pytorch_model.bin"), GARBAGE);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.tensorNames()).hasSize(27);
        }
    }

    @Test
    void missingConfigIsNamed() throws IOException {
        Path dir = model(UNTIED);
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(dir.resolve("config.json").toString());
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = tmp.resolve("empty-model");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), UNTIED.toJson());
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining(Checkpoint.INDEX_FILE);
    }

    @Test
    void notADirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        assertThatThrownBy(() -> Checkpoint.open(file))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() -> Checkpoint.open(tmp.resolve("absent")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("absent");
    }

    @Test
    void configThatDisagreesWithWeightsIsReported() throws IOException {
        Path dir = model(UNTIED);
        // claim 3 layers: every tensor of layer 2 is missing
        Files.writeString(dir.resolve("config.json"), ModelConfig.of(300, 16, 32, 3, 4, 2, false).toJson());
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("12 checkpoint problem(s)")
                .hasMessageContaining("missing tensor 'model.layers.2.input_layernorm.weight'");
    }

    @Test
    void noTokenizerFileIsOptional() throws IOException {
        Path dir = model(UNTIED);
        Files.delete(dir.resolve("tokenizer.json"));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.tokenizerFile()).isEmpty();
        }
    }
}
