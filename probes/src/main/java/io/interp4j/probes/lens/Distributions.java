package io.interp4j.probes.lens;

import java.util.Arrays;

/** Comparisons of two next-token distributions given as logits, in double precision. */
final class Distributions {
    private Distributions() {}

    /**
     * Returns {@code log softmax(logits)}, computed as {@code x − max − log Σ exp(x − max)} so no
     * entry underflows to −∞ however far apart the logits are.
     */
    static double[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        double shift = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[i] - shift;
        }
        return out;
    }

    /** Returns {@code KL(P ‖ Q) = Σ p (log p − log q)} in nats, from log-probabilities. */
    static double kl(double[] logP, double[] logQ) {
        double sum = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) {
                sum += p * (logP[i] - logQ[i]);
            }
        }
        // the exact value is >= 0; rounding can leave a tiny negative number when P = Q
        return Math.max(0, sum);
    }

    /** Returns the index of the largest value, the lowest index winning ties. */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Returns the indices of the k largest values, largest first, the lower index first among ties. */
    static int[] topK(double[] values, int k) {
        int n = Math.min(k, values.length);
        int[] top = new int[n];
        int filled = 0;
        for (int i = 0; i < values.length; i++) {
            if (filled == n && !(values[i] > values[top[n - 1]])) {
                continue;
            }
            int at = filled < n ? filled++ : n - 1;
            // insertion into the descending list; an equal value stays behind the earlier index
            while (at > 0 && values[i] > values[top[at - 1]]) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        return top;
    }

    /** Returns {@code |a ∩ b| / k} for two top-k lists. */
    static double overlap(int[] a, int[] b, int k) {
        int[] sorted = b.clone();
        Arrays.sort(sorted);
        int shared = 0;
        for (int x : a) {
            if (Arrays.binarySearch(sorted, x) >= 0) {
                shared++;
            }
        }
        return (double) shared / k;
    }
}
