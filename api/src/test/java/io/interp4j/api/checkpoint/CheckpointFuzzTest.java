package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.typesafe.config.ConfigObject;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz tests of what a checkpoint directory holds: the safetensors header and data section,
 * {@code config.json} and {@code adapter_config.json}. Property: every input is either rejected with
 * {@link Interp4jException}, or accepted and read exactly as an independent reference reads it;
 * never another exception, a hang or an unbounded allocation. {@code mvn verify} runs the committed
 * seeds ({@code CheckpointFuzzTestInputs/<method>/}: the malformed cases of issue #15 and valid
 * files); {@code JAZZER_FUZZ=1} fuzzes one method for its {@code maxDuration} (see .ci/run).
 */
class CheckpointFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("interp4j-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DIR.toFile().deleteOnExit();
    }

    private static Path write(String name, byte[] data) {
        try {
            return Files.write(DIR.resolve(name), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void safetensors(byte[] data) {
        Path file = write("model.safetensors", data);
        SafetensorsFile opened;
        try {
            opened = SafetensorsFile.open(file);
        } catch (Interp4jException e) {
            return; // rejected with the project's exception
        }
        try (SafetensorsFile st = opened) {
            ReferenceSafetensors reference = new ReferenceSafetensors(data);
            assertThat(st.tensors().keySet()).containsExactlyInAnyOrderElementsOf(reference.tensors.keySet());
            for (Map.Entry<String, ReferenceSafetensors.Tensor> e : reference.tensors.entrySet()) {
                TensorInfo info = st.info(e.getKey());
                assertThat(info.dtype().name()).isEqualTo(e.getValue().dtype());
                assertThat(info.shape()).containsExactly(e.getValue().shape());
                assertThat(info.begin()).isEqualTo(e.getValue().begin());
                assertThat(info.end()).isEqualTo(e.getValue().end());
                float[] expected = reference.floats(e.getKey());
                boolean finite = true;
                for (float v : expected) {
                    finite &= Float.isFinite(v);
                }
                float[] read;
                try {
                    read = st.readFloats(info);
                } catch (Interp4jException refused) {
                    assertThat(finite).as("only a non-finite tensor is refused when read: %s", refused.getMessage()).isFalse();
                    continue;
                }
                assertThat(finite).as("a tensor holding NaN or Infinity is refused").isTrue();
                assertThat(read).hasSize(expected.length);
                for (int i = 0; i < read.length; i++) {
                    assertThat(Float.floatToRawIntBits(read[i])).as("%s[%d]", e.getKey(), i).isEqualTo(Float.floatToRawIntBits(expected[i]));
                }
            }
        }
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void configJson(byte[] data) {
        Path file = write("config.json", data);
        ModelConfig config = acceptedOrNull(() -> ModelConfig.read(file));
        if (config == null) {
            return;
        }
        ConfigObject reference = reference(data);
        assertExactInt(reference, "vocab_size", config.vocabSize());
        assertExactInt(reference, "hidden_size", config.hiddenSize());
        assertExactInt(reference, "intermediate_size", config.intermediateSize());
        assertExactInt(reference, "num_hidden_layers", config.numLayers());
        assertExactInt(reference, "num_attention_heads", config.numHeads());
        assertThat(config.numLayers()).isBetween(1, ModelConfig.MAX_LAYERS);
        Object tied = reference.containsKey("tie_word_embeddings") ? reference.get("tie_word_embeddings").unwrapped() : null;
        assertThat(tied == null ? Boolean.FALSE : tied).isEqualTo(config.tieWordEmbeddings());
        assertThat(Qwen2Layout.expectedShapes(config)).hasSize(12 * config.numLayers() + 2 + (config.tieWordEmbeddings() ? 0 : 1));
    }

    /** Reads with the loader: the value, or null when it was rejected with the project's exception (any other exception fails). */
    private static <T> T acceptedOrNull(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (Interp4jException e) {
            return null;
        }
    }

    /**
     * The independent parse of an accepted JSON file: Gson's parser (the input was already accepted by the
     * strict reader, so only its values matter here), as a config object whose integer literals that fit a
     * long are longs and whose other numbers are doubles. Typesafe Config's own JSON parser was the
     * reference first, but it refuses valid integer literals beyond a long (found by CI's fuzzing: a
     * 100-digit rope_theta), which the loader rightly reads as a double.
     */
    private static ConfigObject reference(byte[] data) {
        com.google.gson.JsonElement root = com.google.gson.JsonParser.parseString(new String(data, StandardCharsets.UTF_8));
        return com.typesafe.config.ConfigValueFactory.fromMap(plain(root.getAsJsonObject())).toConfig().root();
    }

    private static Map<String, Object> plain(com.google.gson.JsonObject object) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        object.entrySet().forEach(e -> out.put(e.getKey(), plain(e.getValue())));
        return out;
    }

    private static Object plain(com.google.gson.JsonElement element) {
        if (element.isJsonNull()) {
            return null;
        }
        if (element.isJsonObject()) {
            return plain(element.getAsJsonObject());
        }
        if (element.isJsonArray()) {
            java.util.List<Object> items = new java.util.ArrayList<>();
            element.getAsJsonArray().forEach(item -> items.add(plain(item)));
            return items;
        }
        com.google.gson.JsonPrimitive primitive = element.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return primitive.getAsBoolean();
        }
        if (primitive.isString()) {
            return primitive.getAsString();
        }
        java.math.BigDecimal number = new java.math.BigDecimal(primitive.getAsString());
        String literal = primitive.getAsString();
        boolean integerLiteral = !literal.contains(".") && !literal.contains("e") && !literal.contains("E");
        if (integerLiteral && number.toBigInteger().bitLength() < 64) {
            long value = number.longValueExact();
            return value == (int) value ? (Object) (int) value : (Object) value;
        }
        return number.doubleValue();
    }

    /** An accepted size was written as an integer literal of exactly that value. */
    private static void assertExactInt(ConfigObject reference, String key, int value) {
        Object raw = reference.get(key).unwrapped();
        assertThat(raw).as(key).isInstanceOfAny(Integer.class, Long.class);
        assertThat(((Number) raw).longValue()).as(key).isEqualTo(value);
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void adapterConfig(byte[] data) {
        Path file = write("adapter_config.json", data);
        AdapterConfig config = acceptedOrNull(() -> AdapterConfig.read(file));
        if (config == null) {
            return;
        }
        ConfigObject reference = reference(data);
        assertExactInt(reference, "r", config.rank());
        assertThat(((Number) reference.get("lora_alpha").unwrapped()).doubleValue()).isEqualTo(config.alpha());
        for (String refused : new String[] {"use_dora", "fan_in_fan_out", "lora_bias"}) {
            assertThat(reference.containsKey(refused) ? reference.get(refused).unwrapped() : null).as(refused).isIn(null, false);
        }
        Object saved = reference.containsKey("modules_to_save") ? reference.get("modules_to_save").unwrapped() : null;
        assertThat(saved == null || ((java.util.List<?>) saved).isEmpty()).as("modules_to_save").isTrue();
    }
}
