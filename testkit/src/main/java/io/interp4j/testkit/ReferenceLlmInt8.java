package io.interp4j.testkit;

/**
 * An independent, slow, double-precision LLM.int8 product (Dettmers et al. 2022, as bitsandbytes'
 * {@code Linear8bitLt} computes it with {@code has_fp16_weights=False}), written from the paper and
 * bitsandbytes' {@code int8_vectorwise_quant} / {@code int8_mixed_scaled_mm} in plain loops, against
 * which the engines' {@code llm-int8} mode is judged.
 *
 * <p>Weight {@code W [out, in]}: one absmax per row {@code S_o}, codes {@code round(W·127/S_o)}.
 * Activations {@code x [rows, in]}: column {@code c} is an outlier column when some row has {@code
 * |x_rc| ≥ threshold}; row {@code r}'s absmax {@code s_r} is the largest {@code |x_rc|} under the
 * threshold (whatever its column); the non-outlier columns get codes {@code round(x·127/s_r)}, the
 * outlier columns none. Output {@code y_ro = (Σ_c q_rc·Q_oc)·s_r·S_o/127² + b_o + Σ_{c outlier}
 * x_rc·(Q_oc·S_o/127)}, the integer sum accumulated in a {@code long}. Rounding is half to even. A
 * row whose absmax is 0 gets codes 0.
 *
 * <p>The rows given are one sequence's real positions, as bitsandbytes sees them at batch 1 without
 * padding. A padded batch is judged one sequence at a time: its pad positions belong to no call, and
 * one sequence's outlier columns are not another's.
 */
public final class ReferenceLlmInt8 {
    /** bitsandbytes' default threshold. */
    public static final double THRESHOLD = 6.0;

    private ReferenceLlmInt8() {}

    /**
     * The LLM.int8 product {@code x·Wᵀ + b}.
     *
     * @param x {@code [rows, in]} row-major, one sequence's positions
     * @param rows how many rows
     * @param in the input width
     * @param weight {@code [out, in]} row-major, the float weight (quantised here)
     * @param bias {@code [out]} or null
     * @param out the output width
     * @param threshold the outlier threshold; {@code Double.POSITIVE_INFINITY} for no decomposition (every
     *     column quantised, the row absmax over all of it)
     * @return {@code [rows, out]}
     */
    public static double[] product(double[] x, int rows, int in, float[] weight, double[] bias, int out, double threshold) {
        double[] weightAbsmax = new double[out];
        long[] weightCodes = new long[out * in];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                weightAbsmax[o] = Math.max(weightAbsmax[o], Math.abs((double) weight[o * in + c]));
            }
            for (int c = 0; c < in; c++) {
                weightCodes[o * in + c] = weightAbsmax[o] == 0 ? 0 : (long) Math.rint(weight[o * in + c] * 127.0 / weightAbsmax[o]);
            }
        }
        boolean[] outlier = outlierColumns(x, rows, in, threshold);
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            double absmax = rowAbsmax(x, r, in, threshold);
            long[] codes = new long[in];
            for (int c = 0; c < in; c++) {
                codes[c] = outlier[c] || absmax == 0 ? 0 : (long) Math.rint(x[r * in + c] * 127.0 / absmax);
            }
            for (int o = 0; o < out; o++) {
                long sum = 0;
                double floatPart = 0;
                for (int c = 0; c < in; c++) {
                    sum += codes[c] * weightCodes[o * in + c];
                    if (outlier[c]) {
                        floatPart += x[r * in + c] * (weightCodes[o * in + c] * weightAbsmax[o] / 127.0);
                    }
                }
                y[r * out + o] = sum * absmax * weightAbsmax[o] / (127.0 * 127.0) + (bias == null ? 0 : bias[o]) + floatPart;
            }
        }
        return y;
    }

    /**
     * The activations as LLM.int8 multiplies them: outlier columns unchanged, every other value replaced
     * by what its code stands for ({@code q·s_r/127}). Multiplied with the dequantised weight this gives
     * {@link #product} in exact arithmetic (the integer sum times {@code s_r·S_o/127²} is the sum of the
     * dequantised products), which is how {@link ReferenceQwen2} applies LLM.int8 to every projection.
     *
     * @param x {@code [rows, in]} row-major
     * @param rows how many rows
     * @param in the width
     * @param threshold the outlier threshold
     * @return {@code [rows, in]}
     */
    public static double[] activations(double[] x, int rows, int in, double threshold) {
        boolean[] outlier = outlierColumns(x, rows, in, threshold);
        double[] out = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double absmax = rowAbsmax(x, r, in, threshold);
            for (int c = 0; c < in; c++) {
                int i = r * in + c;
                out[i] = outlier[c] ? x[i] : absmax == 0 ? 0 : Math.rint(x[i] * 127.0 / absmax) * absmax / 127.0;
            }
        }
        return out;
    }

    /**
     * Returns the outlier columns.
     *
     * @param x {@code [rows, in]}
     * @param rows how many rows
     * @param in the width
     * @param threshold the threshold
     * @return per column, whether some row reaches the threshold in magnitude
     */
    public static boolean[] outlierColumns(double[] x, int rows, int in, double threshold) {
        boolean[] outlier = new boolean[in];
        for (int i = 0; i < rows * in; i++) {
            outlier[i % in] |= Math.abs(x[i]) >= threshold;
        }
        return outlier;
    }

    private static double rowAbsmax(double[] x, int r, int in, double threshold) {
        double absmax = 0;
        for (int c = 0; c < in; c++) {
            double magnitude = Math.abs(x[r * in + c]);
            if (magnitude < threshold) {
                absmax = Math.max(absmax, magnitude);
            }
        }
        return absmax;
    }
}
