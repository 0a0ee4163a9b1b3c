package io.interp4j.app;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Writes small PEFT LoRA adapters for tests. */
public final class TestAdapters {
    private TestAdapters() {}

    /**
     * Writes a rank-2 adapter on block 0's q_proj of a model whose query width and d_model are
     * {@code width}, with constant A = 0.5 and B = 0.25.
     *
     * @param directory the adapter directory to create
     * @param width d_model (= heads × d_head) of the model
     */
    public static void write(Path directory, int width) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\"]}");
        float[] a = new float[2 * width];
        float[] b = new float[width * 2];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        SafetensorsWriter.write(directory.resolve("adapter_model.safetensors"), List.of(
                new SafetensorsWriter.Entry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", DType.F32,
                        new long[] {2, width}, () -> a),
                new SafetensorsWriter.Entry("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", DType.F32,
                        new long[] {width, 2}, () -> b)),
                Map.of("format", "pt"));
    }
}
