package io.interp4j.experiments.testing;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Writes seeded random PEFT LoRA adapters on q/k/v/o of every block, as a training step would leave
 * them: A drawn like PEFT's initialisation (uniform in ±1/√in) times {@code aScale}, and B non-zero,
 * Gaussian with a standard deviation chosen per block, so the trained model differs from the base.
 */
public final class RandomAdapters {
    /** The modules adapted, as PEFT names them under {@code self_attn}. */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    private RandomAdapters() {}

    /**
     * Writes an adapter directory.
     *
     * @param dir the adapter directory to create
     * @param config the base model
     * @param rank r
     * @param alpha lora_alpha (the scaling is alpha / r)
     * @param aScale the factor on PEFT's initial A
     * @param bStd the standard deviation of B per block (as many as the model has blocks)
     * @param seed the seed
     * @return the directory
     */
    public static Path write(Path dir, ModelConfig config, int rank, double alpha, double aScale, double[] bStd, long seed) {
        Random random = new Random(seed);
        int d = config.hiddenSize();
        int q = config.numHeads() * config.headDim();
        int kv = config.numKvHeads() * config.headDim();
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (String module : MODULES) {
                int in = module.equals("o_proj") ? q : d;
                int out = switch (module) {
                    case "q_proj" -> q;
                    case "k_proj", "v_proj" -> kv;
                    default -> d;
                };
                float[] a = new float[rank * in];
                double bound = 1 / Math.sqrt(in);
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (aScale * bound * (2 * random.nextDouble() - 1));
                }
                float[] b = new float[out * rank];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (bStd[layer] * random.nextGaussian());
                }
                String prefix = "base_model.model.model.layers." + layer + ".self_attn." + module;
                entries.add(new SafetensorsWriter.Entry(prefix + ".lora_A.weight", DType.F32, new long[] {rank, in}, () -> a));
                entries.add(new SafetensorsWriter.Entry(prefix + ".lora_B.weight", DType.F32, new long[] {out, rank}, () -> b));
            }
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("adapter_config.json"), String.format(Locale.ROOT,
                    "{\"peft_type\": \"LORA\", \"r\": %d, \"lora_alpha\": %s, \"lora_dropout\": 0.05,"
                            + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\"]}", rank, alpha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
        return dir;
    }
}
