package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Autograd keeps the operands it needs for backward; those made from Java data must not live in a
 * Java buffer that the garbage collector can free between forward and backward.
 */
class OwnedMemoryTest {
    private static final int TRIALS = 50;

    @Test
    void aConstantClosedAfterUseSurvivesAGarbageCollectionBetweenForwardAndBackward() {
        // DJL's own x.mul(2.5) makes and closes such a tensor over a Java buffer: its gradient read 0.0
        // in 28 of 50 of these trials
        assertThat(gradientsOfTimesOperand(manager -> Qwen2Forward.constant(manager, 2.5), 0)).containsOnly(2.5f);
    }

    @Test
    void anOwnedCopyClosedAfterUseSurvivesAGarbageCollectionBetweenForwardAndBackward() {
        assertThat(gradientsOfTimesOperand(manager -> Qwen2Forward.owned(manager.create(new float[] {4, 5, 6})), 2)).containsOnly(6f);
    }

    @Test
    void constantsGiveTheSameBitsAsDjlsScalarOperations() {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = manager.randomNormal(new Shape(64)).abs().add(0.1f);
            assertThat(x.mul(Qwen2Forward.constant(manager, 1.0 / Math.sqrt(24))).toFloatArray())
                    .containsExactly(x.mul(1.0 / Math.sqrt(24)).toFloatArray());
            assertThat(x.pow(Qwen2Forward.constant(manager, -1)).toFloatArray()).containsExactly(x.pow(-1).toFloatArray());
            assertThat(x.add(Qwen2Forward.constant(manager, 1e-6)).toFloatArray()).containsExactly(x.add(1e-6).toFloatArray());
            assertThat(x.div(Qwen2Forward.constant(manager, 3)).toFloatArray()).containsExactly(x.div(3).toFloatArray());
            assertThat(x.div(Qwen2Forward.constant(manager, 7f)).toFloatArray()).containsExactly(x.div(7f).toFloatArray());
        }
    }

    /**
     * x = [1, 2, 3], one block padded with zeros: scale 3/127 and codes 42, 85 and 127. Rounding has no
     * gradient, so the gradient of the sum of the quantised values reaches the largest input through
     * the scale alone: d/dx₃ Σ code·scale = Σ codes / 127 = 254/127 = 2. With DJL's scalar operands in
     * the scale ({@code maximum(float)}, {@code div(int)}) it read otherwise in some trials.
     */
    @Test
    void theFastModesInputQuantisationSurvivesAGarbageCollectionBetweenForwardAndBackward() {
        assertThat(gradients(BlockProducts::quantise, 2)).containsOnly(2f);
    }

    /**
     * LLM.int8 of x = [1, 2, 3] (no outliers: all under 6) with the one-row weight [1, 0, 0] (codes [127,
     * 0, 0], absmax 1): codes round(x·127/3) = [42, 85, 127], output 42·127 · 3 · 1 / 127². Rounding has
     * no gradient, so the output's gradient reaches x₃, the row's absmax, alone: 42·127 / 127² = 42/127.
     * With DJL's scalar operand for 1/127² it read otherwise in some trials.
     */
    @Test
    void llmInt8SurvivesAGarbageCollectionBetweenForwardAndBackward() {
        float expected = 42 * 127 * (1f / (127f * 127f));
        assertThat(gradients(x -> {
            NDManager manager = x.getManager();
            NDArray codes = manager.create(new float[] {127, 0, 0}, new Shape(1, 3));
            LlmInt8 int8 = new LlmInt8();
            int8.put(codes, manager.create(new float[] {1}));
            return int8.linear(x.reshape(1, 1, 3), null, codes, null);
        }, 2)).allSatisfy(g -> assertThat(g).isCloseTo(expected, within(1e-6f)));
    }

    /**
     * d/dx of sum(x · operand) for x = [1, 2, 3] at one element, in each trial: the operand is closed
     * right after the multiplication and the garbage collector runs before backward.
     */
    private static List<Float> gradientsOfTimesOperand(Function<NDManager, NDArray> operand, int element) {
        return gradients(x -> {
            NDArray factor = operand.apply(x.getManager());
            NDArray y = x.mul(factor);
            factor.close();
            return y;
        }, element);
    }

    /**
     * d/dx of sum(f(x)) for x = [1, 2, 3] at one element, in each trial, the garbage collector running
     * (and freed direct buffers written over) between forward and backward.
     */
    private static List<Float> gradients(Function<NDArray, NDArray> f, int element) {
        DjlRuntime.init();
        List<Float> gradients = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
            try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                NDArray x = manager.create(new float[] {1, 2, 3});
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray y = f.apply(x).sum();
                    collectAndReuseFreedBuffers();
                    collector.backward(y);
                }
                gradients.add(x.getGradient().toFloatArray()[element]);
            }
        }
        return gradients;
    }

    /** Runs the collector, then allocates many small direct buffers so freed native memory is written over. */
    private static void collectAndReuseFreedBuffers() {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(8);
            b.putLong(0, 0L);
            junk.add(b);
        }
        assertThat(junk).hasSize(1000);
    }
}
