package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a PEFT adapter may hold: every part the engines cannot apply is an error naming it, and config and tensors agree. */
class LoraAdapterTest {
    private static final String PREFIX = "base_model.model.model.layers.0.self_attn.";
    private static final String CONFIG = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\"]";

    @TempDir
    Path dir;

    private Path adapter(String config, int rank, String... extraTensors) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), config);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        float[] a = new float[rank * 4];
        float[] b = new float[4 * rank];
        entries.add(new SafetensorsWriter.Entry(PREFIX + "q_proj.lora_A.weight", DType.F32, new long[] {rank, 4}, () -> a));
        entries.add(new SafetensorsWriter.Entry(PREFIX + "q_proj.lora_B.weight", DType.F32, new long[] {4, rank}, () -> b));
        for (String name : extraTensors) {
            entries.add(new SafetensorsWriter.Entry(name, DType.F32, new long[] {4}, () -> new float[4]));
        }
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
        return dir;
    }

    private static void assertRefused(Path adapter, String... parts) {
        var assertion = assertThatThrownBy(() -> LoraAdapter.open(adapter).close())
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isIn(ErrorCode.INVALID_CHECKPOINT, ErrorCode.UNSUPPORTED));
        for (String part : parts) {
            assertion.hasMessageContaining(part);
        }
    }

    @Test
    void aConsistentAdapterLoads() throws IOException {
        try (LoraAdapter lora = LoraAdapter.open(adapter(CONFIG + "}", 2))) {
            assertThat(lora.modules()).hasSize(1);
            assertThat(lora.scaling(lora.modules().get(0))).isEqualTo(2.0);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector.default.weight|DoRA's magnitude vector",
        "base_model.model.model.embed_tokens.lora_embedding_A.default|a LoRA of an embedding",
        "base_model.model.lm_head.modules_to_save.default.weight|modules_to_save",
        "base_model.model.model.layers.0.self_attn.q_proj.bias|a trained bias",
    })
    void partsTheEnginesCannotApplyAreErrorsNamingTheTensor(String tensor, String what) throws IOException {
        assertRefused(adapter(CONFIG + "}", 2, tensor), "adapter_model.safetensors", "tensor '" + tensor + "' is not a LoRA matrix", what);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"use_dora\": true|'use_dora' is a boolean true: DoRA",
        "\"modules_to_save\": [\"lm_head\"]|'modules_to_save' is an array [\"lm_head\"]",
        "\"bias\": \"lora_only\"|'bias' is a string \"lora_only\": trained biases",
        "\"fan_in_fan_out\": true|'fan_in_fan_out'",
        "\"layer_replication\": [[0, 1]]|'layer_replication'",
        "\"lora_bias\": true|'lora_bias'",
        "\"r\": 2.5|'r' must be an integer",
        "\"lora_alpha\": \"16\"|'lora_alpha' must be a number",
        "\"use_rslora\": \"no\"|'use_rslora' must be true or false",
    })
    void configKeysTheEnginesCannotApplyAreErrorsNamingTheKey(String entry, String message) throws IOException {
        String config = entry.startsWith("\"r\"") ? CONFIG.replace("\"r\": 2", entry) + "}"
                : entry.startsWith("\"lora_alpha\"") ? CONFIG.replace("\"lora_alpha\": 4", entry) + "}" : CONFIG + ", " + entry + "}";
        assertRefused(adapter(config, 2), "adapter_config.json", message);
    }

    @Test
    void rOfTheConfigMustBeTheTensorsRank() throws IOException {
        assertRefused(adapter(CONFIG + "}", 3), "module 'model.layers.0.self_attn.q_proj' has rank 3", "'r' is 2");
        try (LoraAdapter lora = LoraAdapter.open(adapter(CONFIG + ", \"rank_pattern\": {\"q_proj\": 3}}", 3))) {
            assertThat(lora.modules().get(0).rank()).isEqualTo(3);
        }
    }

    @Test
    void targetModulesMustAgreeWithTheTensors() throws IOException {
        assertRefused(adapter(CONFIG.replace("[\"q_proj\"]", "[\"v_proj\"]") + "}", 2),
                "module 'model.layers.0.self_attn.q_proj' is not in target_modules [v_proj]",
                "target_modules names 'v_proj' but adapter_model.safetensors holds no LoRA pair for it");
        assertRefused(adapter(CONFIG.replace("[\"q_proj\"]", "[\"q_proj\", \"k_proj\"]") + "}", 2), "target_modules names 'k_proj'");
        try (LoraAdapter lora = LoraAdapter.open(adapter(CONFIG.replace("[\"q_proj\"]", "\".*\\\\.q_proj\"") + "}", 2))) {
            assertThat(lora.modules()).hasSize(1);
        }
        assertRefused(adapter(CONFIG.replace("[\"q_proj\"]", "\".*\\\\.k_proj\"") + "}", 2), "is not in target_modules .*\\.k_proj");
    }

    @Test
    void aNonFiniteAdapterValueIsReportedNamingTheTensor() throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), CONFIG + "}");
        float[] a = new float[8];
        a[3] = Float.POSITIVE_INFINITY;
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), List.of(
                new SafetensorsWriter.Entry(PREFIX + "q_proj.lora_A.weight", DType.F32, new long[] {2, 4}, () -> a),
                new SafetensorsWriter.Entry(PREFIX + "q_proj.lora_B.weight", DType.F32, new long[] {4, 2}, () -> new float[8])),
                Map.of("format", "pt"));
        try (LoraAdapter lora = LoraAdapter.open(dir)) {
            assertThatThrownBy(() -> lora.read(lora.modules().get(0).a()))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("tensor '" + PREFIX + "q_proj.lora_A.weight' holds Infinity at element 3");
        }
    }
}
