package io.interp4j.metrics.logits;

import io.interp4j.api.plugin.TensorData;
import java.util.Arrays;

/**
 * Log-softmax of one row of a {@code [pos, vocab]} logit tensor, in float32 as the published study
 * computed it ({@code torch.log_softmax} on float32 logits): {@code log p_i = (x_i − max) − log Σ_j
 * exp(x_j − max)}. The shifted logits, the log-normaliser and every result are float32; only the sum
 * of exponentials is accumulated in double. A {@code −∞} logit gives {@code log p = −∞} (probability
 * 0). A NaN or {@code +∞} logit, or a row of only {@code −∞}, is not a distribution: every value is
 * NaN, as torch would give.
 */
public final class LogSoftmax {
    private LogSoftmax() {}

    /**
     * Returns the number of positions of a {@code [pos, vocab]} tensor.
     *
     * @param logits the logits
     * @return the first dimension
     */
    public static int positions(TensorData logits) {
        return Math.toIntExact(logits.shape()[0]);
    }

    /**
     * Returns the vocabulary size of a {@code [pos, vocab]} tensor.
     *
     * @param logits the logits
     * @return the second dimension
     */
    public static int vocab(TensorData logits) {
        return Math.toIntExact(logits.shape()[1]);
    }

    /**
     * Computes the log-probabilities of one position.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @return {@code vocab} log-probabilities
     */
    public static float[] row(TensorData logits, int position) {
        int vocab = vocab(logits);
        int base = position * vocab;
        float[] out = new float[vocab];
        float max = max(logits, base, vocab);
        if (Float.isNaN(max)) {
            Arrays.fill(out, Float.NaN);
            return out;
        }
        float lse = logNormaliser(logits, base, vocab, max);
        for (int i = 0; i < vocab; i++) {
            out[i] = (logits.at(base + i) - max) - lse;
        }
        return out;
    }

    /**
     * Computes the log-probability of one token at one position.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @param token the token id
     * @return its log-probability, the same float as {@code row(logits, position)[token]}
     */
    public static float at(TensorData logits, int position, int token) {
        int vocab = vocab(logits);
        int base = position * vocab;
        float max = max(logits, base, vocab);
        if (Float.isNaN(max)) {
            return Float.NaN;
        }
        return (logits.at(base + token) - max) - logNormaliser(logits, base, vocab, max);
    }

    /** The row maximum, or NaN when the row holds a NaN or +∞ or only −∞ (then no distribution exists). */
    private static float max(TensorData logits, int base, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float x = logits.at(base + i);
            if (Float.isNaN(x)) {
                return Float.NaN;
            }
            if (x > max) {
                max = x;
            }
        }
        return Float.isInfinite(max) ? Float.NaN : max;
    }

    private static float logNormaliser(TensorData logits, int base, int vocab, float max) {
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits.at(base + i) - max);
        }
        return (float) Math.log(sum);
    }
}
