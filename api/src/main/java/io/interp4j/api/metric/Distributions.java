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
        requireSameLength(logP.length, logQ.length);
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
     * Returns KL(softmax(p) ‖ softmax(q)) of two logit rows held inside larger arrays (one position of
     * a {@code [pos, vocab]} tensor each), without copying or widening them: the same operations in the
     * same order as {@code kl(logSoftmax(p), logSoftmax(q))}, so the result is the same to the last bit.
     * The atlas reads one KL per intervened forward, over a 151,936-token vocabulary at Qwen2.5 scale;
     * the copies and double rows that composition allocates (about 6 MB per KL) were a quarter of a
     * head scan's time on its single Java thread.
     *
     * @param p the reference logits' array
     * @param pFrom where the reference row starts in it
     * @param q the compared logits' array
     * @param qFrom where the compared row starts in it
     * @param length the vocabulary size
     * @return the divergence in nats (see the class comment for the edge rules)
     */
    public static double kl(float[] p, int pFrom, float[] q, int qFrom, int length) {
        java.util.Objects.checkFromIndexSize(pFrom, length, p.length);
        java.util.Objects.checkFromIndexSize(qFrom, length, q.length);
        return klSum(p, pFrom, normaliser(p, pFrom, length), null, q, qFrom, length);
    }

    /**
     * The KL sum of the class comment, the one loop every KL here runs: {@code probabilities}, when
     * given, holds {@code exp(p[i] − logP)} as this loop would compute it (a {@link Reference}'s), so
     * the result is the same to the last bit either way.
     */
    private static double klSum(float[] p, int pFrom, double logP, double[] probabilities, float[] q, int qFrom, int length) {
        double logQ = normaliser(q, qFrom, length);
        if (Double.isNaN(logP) || Double.isNaN(logQ)) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double lp = (double) p[pFrom + i] - logP;
            double lq = (double) q[qFrom + i] - logQ;
            double pi = probabilities == null ? Math.exp(lp) : probabilities[i];
            if (Double.isNaN(pi) || Double.isNaN(lq)) {
                return Double.NaN;
            }
            if (pi > 0) {
                sum += pi * (lp - lq);
            }
        }
        return sum < 0 ? 0 : sum;
    }

    /**
     * One reference row prepared for many divergences {@code KL(reference ‖ Q)}: its normaliser and
     * probabilities computed once. An atlas row compares one clean run with hundreds of intervened
     * ones; each {@link #kl(float[], int, float[], int, int)} from scratch takes three passes of
     * {@code exp} over a 151,936-token vocabulary, one against a prepared reference takes one. The
     * results are the same to the last bit. Immutable: the row is copied.
     *
     * @since 0.5
     */
    public static final class Reference {
        private final float[] logits;
        private final double normaliser;
        private final double[] probabilities;

        private Reference(float[] logits) {
            this.logits = logits;
            this.normaliser = normaliser(logits, 0, logits.length);
            this.probabilities = new double[logits.length];
            for (int i = 0; i < logits.length; i++) {
                probabilities[i] = Math.exp((double) logits[i] - normaliser);
            }
        }

        /**
         * Prepares one row of a larger array.
         *
         * @param logits the array
         * @param from where the row starts
         * @param length the vocabulary size
         * @return the prepared reference
         */
        public static Reference of(float[] logits, int from, int length) {
            java.util.Objects.checkFromIndexSize(from, length, logits.length);
            return new Reference(java.util.Arrays.copyOfRange(logits, from, from + length));
        }

        /**
         * Returns KL(softmax(reference) ‖ softmax(q)), as {@link Distributions#kl(float[], int, float[], int, int)}
         * does to the last bit.
         *
         * @param q the compared logits' array
         * @param qFrom where the compared row starts in it
         * @param length the vocabulary size, the reference's
         * @return the divergence in nats (see the class comment for the edge rules)
         */
        public double kl(float[] q, int qFrom, int length) {
            requireSameLength(logits.length, length);
            java.util.Objects.checkFromIndexSize(qFrom, length, q.length);
            return klSum(logits, 0, normaliser, probabilities, q, qFrom, length);
        }
    }

    /**
     * Returns one token's log-probability, {@code logSoftmax(logits)[token]} to the last bit, without
     * the row of every other token's.
     *
     * @param logits one position's logits
     * @param token the token id
     * @return {@code log p(token)}, NaN under the same rules as {@link #logSoftmax(float[])}
     */
    public static double logProbability(float[] logits, int token) {
        java.util.Objects.checkIndex(token, logits.length);
        return (double) logits[token] - normaliser(logits, 0, logits.length);
    }

    /**
     * The log-softmax normaliser {@code max + log Σ exp(x − max)} of a row, as {@link
     * #logSoftmax(double[])} computes it; NaN when the row holds a NaN or its largest value is +∞.
     */
    private static double normaliser(float[] logits, int from, int length) {
        double max = Double.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int i = from; i < from + length; i++) {
            double v = logits[i];
            nan |= Double.isNaN(v);
            max = Math.max(max, v);
        }
        if (nan || max == Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += Math.exp((double) logits[i] - max);
        }
        return max + Math.log(sum);
    }

    /**
     * Returns KL(softmax(p) ‖ softmax(q)) of two logit rows.
     *
     * @param p the reference logits
     * @param q the compared logits
     * @return the divergence in nats
     */
    public static double kl(float[] p, float[] q) {
        requireSameLength(p.length, q.length);
        return kl(p, 0, q, 0, p.length);
    }

    /**
     * Checks that two rows compared by KL have the same length (the vocabulary), as the in-place
     * {@code kl(p, from, q, from, length)} cannot: its callers check their rows' lengths with this.
     *
     * @param p the length of the P row
     * @param q the length of the Q row
     * @throws IllegalArgumentException if they differ
     */
    public static void requireSameLength(int p, int q) {
        if (p != q) {
            throw new IllegalArgumentException("KL of rows of different lengths: " + p + " and " + q);
        }
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
