package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.train.TrainingOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The trainable LoRA matrices of every targeted projection, {@code A [r, in]} and {@code B [out,
 * r]}, initialised as PEFT does (A Kaiming-uniform, {@code U(−1/√in, 1/√in)}; B zero, so training
 * starts from the base model), and added to the projection's output as {@code s·B·A·dropout(x)}.
 */
final class LoraLayers {
    /** One adapted projection. */
    record Pair(String module, int layer, NDArray a, NDArray b) {
        static String prefix(String module) {
            return module.equals("gate_proj") || module.equals("up_proj") || module.equals("down_proj") ? "mlp." : "self_attn.";
        }
    }

    private final Map<String, Pair> pairs = new LinkedHashMap<>();
    private final double scaling;
    private final double dropout;
    private boolean training;

    LoraLayers(ModelConfig config, TrainingOptions options, NDManager manager, Random random) {
        this.scaling = options.scaling();
        this.dropout = options.dropout();
        Map<String, long[]> shapes = Qwen2Layout.expectedShapes(config);
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (String module : List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")) {
                if (!options.targetModules().contains(module)) {
                    continue;
                }
                long[] shape = shapes.get(Qwen2Layout.layer(layer, Pair.prefix(module) + module + ".weight"));
                int out = (int) shape[0];
                int in = (int) shape[1];
                float[] a = new float[options.rank() * in];
                double bound = 1 / Math.sqrt(in);
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                // PyTorch-owned memory, as the pre-trainer's parameters (see DjlPretrainer.initialise)
                NDArray arrayA = Qwen2Forward.owned(manager.create(a, new Shape(options.rank(), in)));
                NDArray arrayB = manager.zeros(new Shape(out, options.rank()));
                arrayA.setRequiresGradient(true);
                arrayB.setRequiresGradient(true);
                pairs.put(layer + "." + module, new Pair(module, layer, arrayA, arrayB));
            }
        }
    }

    void training(boolean on) {
        this.training = on;
    }

    List<Pair> pairs() {
        return new ArrayList<>(pairs.values());
    }

    List<NDArray> parameters() {
        List<NDArray> parameters = new ArrayList<>();
        for (Pair p : pairs.values()) {
            parameters.add(p.a());
            parameters.add(p.b());
        }
        return parameters;
    }

    NDArray apply(int layer, String module, NDArray x, NDArray out) {
        Pair pair = pairs.get(layer + "." + module);
        if (pair == null) {
            return out;
        }
        NDArray input = x;
        if (training && dropout > 0) {
            NDArray keep = x.getManager().randomUniform(0f, 1f, x.getShape()).gte(dropout).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            input = x.mul(keep).div(Qwen2Forward.constant(x.getManager(), 1 - dropout));
        }
        NDArray update = Qwen2Forward.linear(Qwen2Forward.linear(input, pair.a(), null), pair.b(), null);
        return out.add(update.mul(Qwen2Forward.constant(update.getManager(), scaling)));
    }
}
