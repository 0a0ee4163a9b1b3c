package io.interp4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
    /** The config.json of Qwen/Qwen2.5-0.5B as published on the Hugging Face hub. */
    static final String QWEN25_05B = """
            {
              "architectures": [
                "Qwen2ForCausalLM"
              ],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151643,
              "hidden_act": "silu",
              "hidden_size": 896,
              "initializer_range": 0.02,
              "intermediate_size": 4864,
              "max_position_embeddings": 32768,
              "max_window_layers": 24,
              "model_type": "qwen2",
              "num_attention_heads": 14,
              "num_hidden_layers": 24,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 32768,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.40.1",
              "use_cache": true,
              "use_mrope": false,
              "use_sliding_window": false,
              "vocab_size": 151936
            }
            """;

    @TempDir
    Path tmp;

    private static Consumer<Interp4jException> code(ErrorCode expected) {
        return e -> assertThat(e.code()).isEqualTo(expected);
    }

    /** The 0.5B config with one line replaced. */
    private static String with(String line, String replacement) {
        assertThat(QWEN25_05B).contains(line);
        return QWEN25_05B.replace(line, replacement);
    }

    @Test
    void parsesQwen25HalfBillion() {
        ModelConfig c = ModelConfig.parse(QWEN25_05B);
        assertThat(c.modelType()).isEqualTo("qwen2");
        assertThat(c.vocabSize()).isEqualTo(151_936);
        assertThat(c.hiddenSize()).isEqualTo(896);
        assertThat(c.intermediateSize()).isEqualTo(4864);
        assertThat(c.numLayers()).isEqualTo(24);
        assertThat(c.numHeads()).isEqualTo(14);
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(c.bosTokenId()).isEqualTo(OptionalInt.of(151643));
        assertThat(c.eosTokenId()).isEqualTo(OptionalInt.of(151643));
        assertThat(c.torchDtype()).isEqualTo("bfloat16");
        assertThat(c.queriesPerKvHead()).isEqualTo(7);
    }

    @Test
    void kvHeadOfGroupsConsecutiveQueryHeads() {
        ModelConfig c = ModelConfig.parse(QWEN25_05B);
        for (int head = 0; head <= 6; head++) {
            assertThat(c.kvHeadOf(head)).as("query head %d", head).isEqualTo(0);
        }
        for (int head = 7; head <= 13; head++) {
            assertThat(c.kvHeadOf(head)).as("query head %d", head).isEqualTo(1);
        }
        assertThatThrownBy(() -> c.kvHeadOf(14))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("14")
                .hasMessageContaining("0..13");
        assertThatThrownBy(() -> c.kvHeadOf(-1)).isInstanceOf(Interp4jException.class);
    }

    @Test
    void parameterCountOfQwen25HalfBillion() {
        // Per layer (d = 896, q = 14*64 = 896, kv = 2*64 = 128, d_mlp = 4864):
        //   RMSNorm weights  2 * 896                  =      1_792
        //   q_proj + bias    896*896 + 896            =    803_712
        //   k, v + biases    2 * (896*128 + 128)      =    229_632
        //   o_proj           896*896                  =    802_816
        //   gate, up, down   3 * 896*4864             = 13_074_432
        //                                             = 14_912_384
        // 24 layers: 357_897_216; tied embedding 151_936*896 = 136_134_656; final norm 896.
        // Total 494_032_768: the published parameter count of Qwen2.5-0.5B.
        assertThat(ModelConfig.parse(QWEN25_05B).parameterCount()).isEqualTo(494_032_768L);
    }

    @Test
    void parameterCountCountsAnUntiedHead() {
        // vocab 300, d 16, d_mlp 32, 2 layers, 4 heads of 4, 2 kv heads (kv width 8), untied:
        // per layer 2*16 + (256+16) + 2*(128+8) + 256 + 3*512 = 2368; embed + head 2*4800; final norm 16
        assertThat(ModelConfig.of(300, 16, 32, 2, 4, 2, false).parameterCount()).isEqualTo(9600 + 2 * 2368 + 16);
        assertThat(ModelConfig.of(300, 16, 32, 2, 4, 2, true).parameterCount()).isEqualTo(4800 + 2 * 2368 + 16);
    }

    @Test
    void ofUsesHuggingFaceDefaults() {
        ModelConfig c = ModelConfig.of(300, 16, 32, 2, 4, 2, false);
        assertThat(c.modelType()).isEqualTo("qwen2");
        assertThat(c.headDim()).isEqualTo(4);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(c.bosTokenId()).isEmpty();
        assertThat(c.torchDtype()).isNull();
        assertThatThrownBy(() -> ModelConfig.of(300, 18, 32, 2, 4, 2, false))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("hidden_size 18")
                .hasMessageContaining("num_attention_heads 4");
    }

    @Test
    void toJsonRoundTrips() {
        ModelConfig c = ModelConfig.parse(QWEN25_05B);
        assertThat(ModelConfig.parse(c.toJson())).isEqualTo(c);
        ModelConfig tiny = ModelConfig.of(300, 16, 32, 2, 4, 2, false);
        assertThat(ModelConfig.parse(tiny.toJson())).isEqualTo(tiny);
        ModelConfig tokens = tiny.withTokensAndDtype(OptionalInt.of(1), OptionalInt.of(299), "bfloat16");
        assertThat(ModelConfig.parse(tokens.toJson())).isEqualTo(tokens);
    }

    @Test
    void explicitHeadDimRoundTrips() {
        ModelConfig c = ModelConfig.parse(with("\"num_attention_heads\": 14,", "\"num_attention_heads\": 14, \"head_dim\": 128,"));
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.toJson()).contains("\"head_dim\": 128");
        assertThat(ModelConfig.parse(c.toJson())).isEqualTo(c);
    }

    @Test
    void huggingFaceDefaultsForAbsentKeys() {
        String minimal = """
                {"model_type": "qwen2", "vocab_size": 300, "hidden_size": 16, "intermediate_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 4}""";
        ModelConfig c = ModelConfig.parse(minimal);
        assertThat(c.numKvHeads()).isEqualTo(4); // defaults to num_attention_heads
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(c.eosTokenId()).isEmpty();
    }

    @Test
    void eosTokenListTakesTheFirst() {
        ModelConfig c = ModelConfig.parse(with("\"eos_token_id\": 151643,", "\"eos_token_id\": [151645, 151643],"));
        assertThat(c.eosTokenId()).isEqualTo(OptionalInt.of(151645));
    }

    @Test
    void llamaIsUnsupported() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"model_type\": \"qwen2\",", "\"model_type\": \"llama\",")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("'llama'")
                .hasMessageContaining("qwen2");
    }

    @Test
    void missingHiddenSize() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"hidden_size\": 896,", "")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("hidden_size");
    }

    @Test
    void headsNotAMultipleOfKvHeads() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"num_key_value_heads\": 2,", "\"num_key_value_heads\": 4,")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("num_attention_heads 14")
                .hasMessageContaining("num_key_value_heads 4");
    }

    @Test
    void ropeScalingIsUnsupported() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"sliding_window\": 32768,",
                        "\"sliding_window\": 32768, \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0},")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("rope_scaling")
                .hasMessageContaining("yarn");
        // an explicit null is fine
        assertThat(ModelConfig.parse(with("\"sliding_window\": 32768,", "\"sliding_window\": 32768, \"rope_scaling\": null,"))
                .hiddenSize()).isEqualTo(896);
    }

    @Test
    void slidingWindowIsUnsupported() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"use_sliding_window\": false,", "\"use_sliding_window\": true,")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("use_sliding_window");
    }

    @Test
    void otherActivationsAreUnsupported() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"hidden_act\": \"silu\",", "\"hidden_act\": \"gelu\",")))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("'gelu'")
                .hasMessageContaining("silu");
    }

    @Test
    void invalidValues() {
        assertThatThrownBy(() -> ModelConfig.parse(with("\"num_hidden_layers\": 24,", "\"num_hidden_layers\": 0,")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("num_hidden_layers is 0; allowed 1..1024");
        assertThatThrownBy(() -> ModelConfig.parse(with("\"rms_norm_eps\": 1e-06,", "\"rms_norm_eps\": 0,")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("rms_norm_eps");
        assertThatThrownBy(() -> ModelConfig.parse("[1, 2]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void readNamesTheMissingPath() {
        Path missing = tmp.resolve("nowhere").resolve("config.json");
        assertThatThrownBy(() -> ModelConfig.read(missing))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void readPrefixesErrorsWithThePathAndKeepsTheCode() throws IOException {
        Path file = Files.writeString(tmp.resolve("config.json"), with("\"model_type\": \"qwen2\",", "\"model_type\": \"llama\","));
        assertThatThrownBy(() -> ModelConfig.read(file))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.UNSUPPORTED))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("'llama'");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"model_type\": \"qwen2\", oops");
        assertThatThrownBy(() -> ModelConfig.read(broken))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(broken.toString());
        Path good = Files.writeString(tmp.resolve("good.json"), QWEN25_05B);
        assertThat(ModelConfig.read(good)).isEqualTo(ModelConfig.parse(QWEN25_05B));
    }

    @Test
    void wronglyTypedValueIsAnInvalidCheckpointNotARawParseError() {
        String json = "{\"model_type\":\"qwen2\",\"hidden_size\":\"abc\",\"num_attention_heads\":2,\"vocab_size\":300,"
                + "\"intermediate_size\":8,\"num_hidden_layers\":1}";
        assertThatThrownBy(() -> ModelConfig.parse(json))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("abc");
    }

    /** The coercions the old reader made: each is now an error naming the key, what was found and what is allowed. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "\"hidden_size\": 896,|\"hidden_size\": 4294968192,|'hidden_size' is 4294968192; allowed",
        "\"hidden_size\": 896,|\"hidden_size\": 896.5,|'hidden_size' must be an integer",
        "\"hidden_size\": 896,|\"hidden_size\": 896.0,|'hidden_size' must be an integer",
        "\"hidden_size\": 896,|\"hidden_size\": [896],|'hidden_size' must be an integer in -2147483648..2147483647, found an array [896]",
        "\"hidden_size\": 896,|\"hidden_size\": \"896\",|'hidden_size' must be an integer",
        "\"tie_word_embeddings\": true,|\"tie_word_embeddings\": \"yes\",|'tie_word_embeddings' must be true or false, found a string \"yes\"",
        "\"rope_theta\": 1000000.0,|\"rope_theta\": 1e400,|'rope_theta' is 1e400, which is not finite",
        "\"num_hidden_layers\": 24,|\"num_hidden_layers\": 1000000000,|num_hidden_layers is 1000000000; allowed 1..1024",
        "\"num_hidden_layers\": 24,|\"num_hidden_layers\": 18446744073709551640,|'num_hidden_layers' is 18446744073709551640; allowed",
        "\"model_type\": \"qwen2\",|\"model_type\": [\"qwen2\"],|'model_type' must be a string",
        "\"eos_token_id\": 151643,|\"eos_token_id\": 151936,|eos_token_id is 151936; allowed 0..151935",
        "\"use_sliding_window\": false,|\"use_sliding_window\": 0,|'use_sliding_window' must be true or false",
        "\"vocab_size\": 151936|\"vocab_size\": 151936, \"vocab_size\": 64|the name 'vocab_size' twice",
        "\"vocab_size\": 151936|\"vocab_size\": 151936 /* c */|is not valid JSON",
        "\"vocab_size\": 151936|vocab_size: 151936|is not valid JSON",
        "\"vocab_size\": 151936|\"vocab_size\": NaN|is not valid JSON",
    })
    void numbersAndTypesAreReadExactly(String line, String replacement, String message) throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, with(line, replacement));
        assertThatThrownBy(() -> ModelConfig.read(file))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void invalidUtf8IsRefused() throws IOException {
        Path file = tmp.resolve("config.json");
        byte[] text = with("\"torch_dtype\": \"bfloat16\"", "\"torch_dtype\": \"bfloat16\u00e9\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] broken = java.util.Arrays.copyOf(text, text.length);
        int at = new String(text, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf('\u00c3');
        broken[at + 1] = (byte) 0x28; // 0xC3 followed by a non-continuation byte
        Files.write(file, broken);
        assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(Interp4jException.class).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("config.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is available");
        assertThatThrownBy(() -> ModelConfig.read(fifo))
                .isInstanceOfSatisfying(Interp4jException.class, code(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining(fifo + ": not a regular file");
    }
}
