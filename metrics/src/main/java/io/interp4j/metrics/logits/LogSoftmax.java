package io.interp4j.metrics.logits;

import io.interp4j.api.metric.Distributions;
import io.interp4j.api.plugin.TensorData;


/**
 * Log-softmax of one row of a {@code [pos, vocab]} logit tensor: the row's float32 logits through
 * {@link Distributions#logSoftmax(float[])}, in double, with its rules for NaN, {@code ±∞} and rows of
 * only {@code −∞} (not a distribution: every value NaN). The seed study's {@code torch.log_softmax} on
 * float32 differs from it in the 7th significant digit; every interp4j number uses this one.
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
     * Returns one position's logits.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @return the row's logits
     */
    public static float[] logits(TensorData logits, int position) {
        int vocab = vocab(logits);
        float[] row = new float[vocab];
        System.arraycopy(logits.data(), position * vocab, row, 0, vocab);
        return row;
    }

    /**
     * Computes the log-probabilities of one position.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @return {@code log softmax} of the row, in double
     */
    public static double[] row(TensorData logits, int position) {
        return Distributions.logSoftmax(logits(logits, position));
    }

    /**
     * Computes one token's log-probability at one position.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @param token the token id
     * @return {@code log p(token)}
     */
    public static double at(TensorData logits, int position, int token) {
        return row(logits, position)[token];
    }
}
