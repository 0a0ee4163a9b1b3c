package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.train.TrainingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA gradients: through a loaded model's fused q|k|v and gate|up products they equal those through the
 * separate products of the same weights, in every layer, and the first layer's agree with central finite
 * differences of the loss. The gradient of an early layer's adapter
 * flows back through the later layers' base projections; a split that copied the fused product with
 * DJL's {@code duplicate()}, which detaches from autograd, cut those paths (every layer but the last
 * trained on a truncated gradient, and training lost its premise in {@code CircuitLockInTest}).
 */
class DjlLoraGradientTest {
    private static final ModelConfig CONFIG = ModelConfig.of(300, 32, 64, 3, 4, 2, true);
    private static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    private static final TrainingOptions OPTIONS = new TrainingOptions(4, 8, 0, MODULES, 1e-2, 0.0, 0, 1, 1, 1, 1.0, 7, List.of());
    private static final int[][] TOKENS = {new Random(3).ints(9, 0, CONFIG.vocabSize()).toArray()};
    /** A fixed random weighting of every logit, the loss's: every position and every layer's output matters. */
    private static final float[] MIX = mix(TOKENS[0].length * CONFIG.vocabSize());

    @TempDir
    Path dir;

    @Test
    void adapterGradientsThroughFusedProductsEqualThoseThroughSeparateOnes() {
        RandomCheckpoint.write(dir, CONFIG, DType.F32, 5);
        try (DjlModel model = (DjlModel) new DjlEngineProvider().load(Checkpoint.open(dir))) {
            DjlModel.Weights fused = model.weights();
            assertThat(fused.layers()).allSatisfy(w -> assertThat(w.isFused()).isTrue());
            LayerWeights[] separate = Arrays.stream(fused.layers())
                    .map(w -> new LayerWeights(w.inputNorm(), w.qWeight(), w.qBias(), w.kWeight(), w.kBias(), w.vWeight(), w.vBias(), w.oWeight(),
                            w.postNorm(), w.gateWeight(), w.upWeight(), w.downWeight()))
                    .toArray(LayerWeights[]::new);
            DjlModel.Weights unfused = new DjlModel.Weights(fused.embed(), separate, fused.finalNorm(), fused.unembed(), fused.quantization(),
                    fused.llmInt8(), fused.blocks(), fused.codes());
            List<float[]> throughFused = gradients(fused);
            List<float[]> throughSeparate = gradients(unfused);
            assertThat(throughFused).hasSameSizeAs(throughSeparate).hasSize(2 * MODULES.size() * CONFIG.numLayers());
            for (int i = 0; i < throughFused.size(); i++) {
                float[] expected = throughSeparate.get(i);
                double scale = 0;
                double largest = 0;
                for (int j = 0; j < expected.length; j++) {
                    scale = Math.max(scale, Math.abs(expected[j]));
                    largest = Math.max(largest, Math.abs(throughFused.get(i)[j] - expected[j]));
                }
                // B starts at zero, so only the B matrices have a gradient at the first step
                if (i % 2 == 1) {
                    assertThat(scale).as("parameter %d: the test needs a gradient", i).isGreaterThan(1e-4);
                }
                assertThat(largest).as("parameter %d (layer %d, %s): largest difference, gradients up to %s", i,
                        i / 2 / MODULES.size(), MODULES.get(i / 2 % MODULES.size()), scale).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
            }
        }
    }

    /**
     * The gradient autograd gives the first layer's adapters agrees with central finite differences of
     * the loss (computed from the logits in double), on each B matrix's three largest entries: a check
     * that does not rest on the forward code's own backward.
     */
    @Test
    void firstLayerGradientsAgreeWithFiniteDifferences() {
        RandomCheckpoint.write(dir, CONFIG, DType.F32, 5);
        try (DjlModel model = (DjlModel) new DjlEngineProvider().load(Checkpoint.open(dir));
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Qwen2Forward forward = new Qwen2Forward(CONFIG, model.weights());
            LoraLayers lora = backward(forward, manager);
            int checked = 0;
            for (LoraLayers.Pair pair : lora.pairs()) {
                if (pair.layer() != 0) {
                    continue;
                }
                float[] gradient = pair.b().getGradient().toFloatArray();
                Integer[] order = new Integer[gradient.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (x, y) -> Float.compare(Math.abs(gradient[y]), Math.abs(gradient[x])));
                for (int k = 0; k < 3; k++) {
                    int entry = order[k];
                    double epsilon = 1e-2;
                    double plus = perturbedLoss(forward, lora, pair.b(), entry, epsilon, manager);
                    double minus = perturbedLoss(forward, lora, pair.b(), entry, -epsilon, manager);
                    double difference = (plus - minus) / (2 * epsilon);
                    assertThat(difference).as("layer 0 %s B[%d]", pair.module(), entry)
                            .isCloseTo(gradient[entry], org.assertj.core.data.Offset.offset(1e-2 * Math.abs(gradient[entry]) + 1e-3));
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(3 * MODULES.size());
        }
    }

    /** The loss, in double, with one entry of B moved by {@code delta} (and moved back after). */
    private static double perturbedLoss(Qwen2Forward forward, LoraLayers lora, NDArray b, int entry, double delta, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            float[] step = new float[(int) b.size()];
            step[entry] = (float) delta;
            NDArray move = Qwen2Forward.owned(scope.create(step, b.getShape()));
            float before = b.toFloatArray()[entry];
            b.addi(move);
            float[] logits = forward.run(new Qwen2Forward.Pass(TOKENS, null, new HookDispatcher(CONFIG), scope, null, 0, lora)).toFloatArray();
            b.subi(move);
            assertThat(b.toFloatArray()[entry]).isEqualTo(before);
            double loss = 0;
            for (int i = 0; i < logits.length; i++) {
                loss += (double) MIX[i] * logits[i];
            }
            return loss;
        }
    }

    private static float[] mix(int size) {
        float[] mix = new float[size];
        Random random = new Random(11);
        for (int i = 0; i < size; i++) {
            mix[i] = (float) random.nextGaussian();
        }
        return mix;
    }

    /** The gradient of every adapter matrix (A, then B, by layer and module) of one loss over one forward with fresh adapters. */
    private static List<float[]> gradients(DjlModel.Weights weights) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            LoraLayers lora = backward(new Qwen2Forward(CONFIG, weights), manager);
            List<float[]> gradients = new ArrayList<>();
            for (NDArray parameter : lora.parameters()) {
                gradients.add(parameter.getGradient().toFloatArray());
            }
            return gradients;
        }
    }

    /** Fresh adapters (the same for every call) with the gradient of the loss, {@code Σ MIX · logits}, over one forward. */
    private static LoraLayers backward(Qwen2Forward forward, NDManager manager) {
        LoraLayers lora = new LoraLayers(CONFIG, OPTIONS, manager, new Random(7));
        lora.training(true);
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray logits = forward.run(new Qwen2Forward.Pass(TOKENS, null, new HookDispatcher(CONFIG), scope, null, 0, lora));
            collector.backward(logits.mul(Qwen2Forward.owned(scope.create(MIX, logits.getShape()))).sum());
        }
        return lora;
    }
}
