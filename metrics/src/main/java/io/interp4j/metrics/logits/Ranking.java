package io.interp4j.metrics.logits;

import io.interp4j.api.plugin.TensorData;

/**
 * Ranks the tokens of one row of a {@code [pos, vocab]} logit tensor by logit (the same order as
 * their probabilities). Order: larger logit first by {@link Float#compare} (so NaN ranks above
 * {@code +∞}, as in {@code torch.topk}); equal logits are broken by the lower token id.
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
        int vocab = LogSoftmax.vocab(logits);
        if (k < 1 || k > vocab) {
            throw new IllegalArgumentException("k must be in 1.." + vocab + ", found " + k);
        }
        int base = position * vocab;
        int[] ids = new int[k];
        float[] values = new float[k];
        int filled = 0;
        for (int id = 0; id < vocab; id++) {
            float x = logits.at(base + id);
            // ids arrive in ascending order, so an equal logit never displaces an earlier id
            if (filled == k && Float.compare(x, values[k - 1]) <= 0) {
                continue;
            }
            int slot = filled == k ? k - 1 : filled++;
            while (slot > 0 && Float.compare(x, values[slot - 1]) > 0) {
                ids[slot] = ids[slot - 1];
                values[slot] = values[slot - 1];
                slot--;
            }
            ids[slot] = id;
            values[slot] = x;
        }
        return ids;
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
