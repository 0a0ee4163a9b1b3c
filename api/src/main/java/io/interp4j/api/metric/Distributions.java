package io.interp4j.api.metric;

import io.interp4j.api.Stable;

/**
 * The one implementation of what every comparison of next-token distributions needs: log-softmax,
 * KL divergence, argmax and top-k, used by the metric plugins, the logit-lens probe and the atlas rows
 * alike, so that a number means the same wherever it is printed.
 *
 * <p>Rules, stated once:
 *
 * <ul>
 *   <li>log-softmax is computed in double from float32 logits (max-shifted); a NaN logit makes the
 *       whole row NaN, and a row whose largest logit is +∞ is NaN as well (no finite normaliser);
 *   <li>KL(P ‖ Q) = Σ_i P_i (log P_i − log Q_i) in nats over the full vocabulary; a term with P_i = 0
 *       (underflow included) is 0 whatever Q_i is; a term with P_i > 0 and Q_i = 0 (a −∞ logit) makes
 *       the result +∞, kept rather than clamped; the exact value is never negative, so a result that
 *       rounding leaves below 0 (≈ −1e-17 for nearly equal rows) is 0; NaN stays NaN;
 *   <li>argmax and top-k rank by value, equal values broken by the lower index (Hugging Face's greedy
 *       choice), NaN ranking below every number.
 * </ul>
 *
 * @since 0.2
 */
@Stable
public final class Distributions {
    private Distributions() {}

    /**
     * Returns the log-probabilities of logits.
     *
     * @param logits one position's logits
     * @return {@code log softmax(logits)} in double
     */
    public static double[] logSoftmax(float[] logits) {
        double[] widened = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            widened[i] = logits[i];
        }
        return logSoftmax(widened);
    }

    /**
     * Returns the log-probabilities of logits held in double.
     *
     * @param logits one position's logits
     * @return {@code log softmax(logits)}
     */
    public static double[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        boolean nan = false;
        for (double v : logits) {
            nan |= Double.isNaN(v);
            max = Math.max(max, v);
        }
        double[] out = new double[logits.length];
        if (nan || max == Double.POSITIVE_INFINITY) {
            java.util.Arrays.fill(out, Double.NaN);
            return out;
        }
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }

    /**
     * Returns KL(P ‖ Q) of two log-probability rows (see the class comment for the edge rules).
     *
     * @param logP log P
     * @param logQ log Q, as long as {@code logP}
     * @return the divergence in nats, {@code >= 0}, +∞ or NaN
     */
    public static double kl(double[] logP, double[] logQ) {
        if (logP.length != logQ.length) {
            throw new IllegalArgumentException("KL of rows of different lengths: " + logP.length + " and " + logQ.length);
        }
        double sum = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (Double.isNaN(p) || Double.isNaN(logQ[i])) {
                return Double.NaN;
            }
            if (p > 0) {
                sum += p * (logP[i] - logQ[i]);
            }
        }
        return sum < 0 ? 0 : sum;
    }

    /**
     * Returns KL(softmax(p) ‖ softmax(q)) of two logit rows.
     *
     * @param p the reference logits
     * @param q the compared logits
     * @return the divergence in nats
     */
    public static double kl(float[] p, float[] q) {
        return kl(logSoftmax(p), logSoftmax(q));
    }

    /**
     * Returns the index of the largest value, the lowest index on ties.
     *
     * @param values the values
     * @return the index
     */
    public static int argmax(float[] values) {
        return topK(values, 1)[0];
    }

    /**
     * Returns the index of the largest value, the lowest index on ties.
     *
     * @param values the values
     * @return the index
     */
    public static int argmax(double[] values) {
        return topK(values, 1)[0];
    }

    /**
     * Returns the indices of the k largest values, largest first, equal values by lower index. One pass
     * with an insertion list of k: cheap for k ≪ vocabulary.
     *
     * @param values the values
     * @param k how many, at most the values' count
     * @return the indices
     */
    public static int[] topK(float[] values, int k) {
        double[] widened = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            widened[i] = values[i];
        }
        return topK(widened, k);
    }

    /**
     * Returns the indices of the k largest values, largest first, equal values by lower index.
     *
     * @param values the values
     * @param k how many, at most the values' count
     * @return the indices
     */
    public static int[] topK(double[] values, int k) {
        if (k < 1 || k > values.length) {
            throw new IllegalArgumentException("k must be in 1.." + values.length + ", found " + k);
        }
        int[] top = new int[k];
        int filled = 0;
        for (int i = 0; i < values.length; i++) {
            if (filled == k && !ranksAbove(values[i], values[top[k - 1]])) {
                continue;
            }
            int at = filled < k ? filled++ : k - 1;
            // indices arrive in ascending order, so an equal value stays behind the earlier index
            while (at > 0 && ranksAbove(values[i], values[top[at - 1]])) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        return top;
    }

    /** Whether {@code a} ranks strictly above {@code b}; NaN ranks below every number. */
    private static boolean ranksAbove(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        return Double.isNaN(b) || a > b;
    }

    /**
     * Returns |A ∩ B| / k for two top-k index lists.
     *
     * @param a one list
     * @param b the other
     * @param k the k both were taken at
     * @return the overlap, in [0, 1]
     */
    public static double overlap(int[] a, int[] b, int k) {
        int shared = 0;
        for (int x : a) {
            for (int y : b) {
                if (x == y) {
                    shared++;
                    break;
                }
            }
        }
        return (double) shared / k;
    }
}
