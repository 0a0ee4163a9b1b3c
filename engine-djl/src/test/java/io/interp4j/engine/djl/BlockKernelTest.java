package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The block kernels against a hand-computed product and against their definition in double precision. */
class BlockKernelTest {
    /**
     * One q8 row by hand: weight {@code [0.5, −1]} has scale 1/127 and codes 64 ({@code round(63.5)}) and
     * −127; input {@code [1, 0.25]} has scale 1/127 and codes 127 and 32 ({@code rint(31.75)}); the
     * product is {@code (64·127 − 127·32) / 127² = 32/127}.
     */
    @Test
    void oneQ8RowByHand() {
        BlockKernel.Weight w = BlockKernel.Weight.of(QuantizedWeight.quantize(Quantization.Q8, new float[] {0.5f, -1f}, 1, 2));
        float[] out = BlockKernel.multiply(w, new float[] {1f, 0.25f}, 1, null, null, 1);
        assertThat((double) out[0]).isCloseTo(32.0 / 127, org.assertj.core.data.Offset.offset(1e-7));
    }

    /**
     * Three rows of 200 inputs (three whole blocks and one of 8) times 37 weight rows, a block of zeros
     * in one input row, with a bias: each output is the double-precision sum over blocks of (input codes
     * · their scale) × the dequantised weights.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void productEqualsTheDefinitionInDoublePrecision(Quantization scheme) {
        int rows = 37;
        int columns = 200;
        int m = 3;
        Random random = new Random(7);
        float[] weight = gaussian(random, rows * columns, 0.05f);
        float[] x = gaussian(random, m * columns, 1f);
        for (int c = 64; c < 128; c++) {
            x[columns + c] = 0;
        }
        float[] bias = gaussian(random, rows, 0.1f);
        QuantizedWeight quantized = QuantizedWeight.quantize(scheme, weight, rows, columns);
        float[] dequantized = quantized.dequantize();

        float[] out = BlockKernel.multiply(BlockKernel.Weight.of(quantized), x, m, bias, null, 1);

        for (int r = 0; r < m; r++) {
            double[] codes = definitionCodes(x, r * columns, columns);
            for (int n = 0; n < rows; n++) {
                double expected = bias[n];
                double magnitude = Math.abs(bias[n]);
                for (int c = 0; c < columns; c++) {
                    expected += codes[c] * dequantized[n * columns + c];
                    magnitude += Math.abs(codes[c] * dequantized[n * columns + c]);
                }
                assertThat((double) out[r * rows + n]).as("%s row %d output %d", scheme, r, n)
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6 * magnitude));
            }
        }
    }

    /**
     * Split over threads, or as stacked parts, every output is the same float: each comes from one row's
     * loop, whether the row is read as one of four streams or alone (300 rows on one thread go as four
     * streams of 75; stacked, 345 rows over three threads leave three rows in each part that go alone).
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void threadsAndStackingLeaveEveryOutputAlone(Quantization scheme) {
        int columns = 896;
        Random random = new Random(11);
        float[] a = gaussian(random, 300 * columns, 0.05f);
        float[] b = gaussian(random, 45 * columns, 0.05f);
        float[] x = gaussian(random, columns, 1f);
        BlockKernel.Weight wa = BlockKernel.Weight.of(QuantizedWeight.quantize(scheme, a, 300, columns));
        BlockKernel.Weight wb = BlockKernel.Weight.of(QuantizedWeight.quantize(scheme, b, 45, columns));
        float[] alone = BlockKernel.multiply(wa, x, 1, null, null, 1);
        float[] aloneB = BlockKernel.multiply(wb, x, 1, null, null, 1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            float[] split = BlockKernel.multiply(wa, x, 1, null, pool, 3);
            float[] stacked = BlockKernel.multiply(BlockKernel.Weight.stacked(List.of(wa, wb)), x, 1, null, pool, 3);
            assertThat(split).containsExactly(alone);
            float[] both = new float[345];
            System.arraycopy(alone, 0, both, 0, 300);
            System.arraycopy(aloneB, 0, both, 300, 45);
            assertThat(stacked).containsExactly(both);
        } finally {
            pool.shutdownNow();
        }
    }

    /** What each input's code stands for, by the definition: per block of 64, {@code rint(x / s)·s}, {@code s = absmax / 127}. */
    private static double[] definitionCodes(float[] x, int from, int columns) {
        double[] values = new double[columns];
        for (int start = 0; start < columns; start += 64) {
            int end = Math.min(columns, start + 64);
            float absmax = 0;
            for (int c = start; c < end; c++) {
                absmax = Math.max(absmax, Math.abs(x[from + c]));
            }
            // the scale and the quotient in float32, as the definition states them
            float scale = absmax / 127f;
            for (int c = start; c < end; c++) {
                values[c] = absmax == 0 ? 0 : Math.rint(x[from + c] / scale) * (double) scale;
            }
        }
        return values;
    }

    private static float[] gaussian(Random random, int n, float std) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * std;
        }
        return values;
    }
}
