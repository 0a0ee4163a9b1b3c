package io.interp4j.metrics.logits;

import io.interp4j.api.metric.Distributions;
import io.interp4j.api.plugin.TensorData;

/**
 * Ranks the tokens of one row of a {@code [pos, vocab]} logit tensor by logit (the same order as
 * their probabilities), by {@link Distributions#topK(float[], int)}: larger logit first, equal logits
 * broken by the lower token id, NaN below every number.
 */
public final class Ranking {
    private Ranking() {}

    /**
     * Returns the k highest-ranked token ids.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @param k how many, at most the vocabulary size
     * @return the ids, best first
     */
    public static int[] topK(TensorData logits, int position, int k) {
        return Distributions.topK(LogSoftmax.logits(logits, position), k);
    }

    /**
     * Returns the highest-ranked token id.
     *
     * @param logits {@code [pos, vocab]} logits
     * @param position the row
     * @return the argmax, the lowest id among equal maxima
     */
    public static int argmax(TensorData logits, int position) {
        return topK(logits, position, 1)[0];
    }
}
