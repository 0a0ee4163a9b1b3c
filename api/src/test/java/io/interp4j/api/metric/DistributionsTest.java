package io.interp4j.api.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Hand-computable cases. */
class DistributionsTest {
    @Test
    void klOfTwoKnownDistributions() {
        // P = (1/2, 1/2), Q = (1/4, 3/4): KL = 1/2 ln 2 + 1/2 ln (2/3)
        double[] p = Distributions.logSoftmax(new double[] {0, 0});
        double[] q = Distributions.logSoftmax(new double[] {0, Math.log(3)});
        assertThat(Math.exp(q[0])).isCloseTo(0.25, within(1e-15));
        assertThat(Distributions.kl(p, q)).isCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), within(1e-15));
        assertThat(Distributions.kl(p, p)).isZero();
    }

    @Test
    void klOfLogitRowsInPlaceIsTheLogSoftmaxCompositionToTheLastBit() {
        // P = softmax(0, 0) = (1/2, 1/2), Q = softmax(0, ln 3) = (1/4, 3/4), each inside a longer array
        float[] p = {9, 9, 0, 0, 9};
        float[] q = {0, (float) Math.log(3)};
        assertThat(Distributions.kl(p, 2, q, 0, 2)).isCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), within(1e-7));
        java.util.Random random = new java.util.Random(3);
        float inf = Float.POSITIVE_INFINITY;
        float[][] edges = {{Float.NaN, 0, 1}, {inf, 0, 1}, {-inf, -inf, -inf}, {-inf, 0, 1}, {0, -inf, 2}, {0, 0, 0}};
        for (int trial = 0; trial < 40; trial++) {
            int vocab = trial < 36 ? 1 + random.nextInt(5000) : 3;
            float[] a = new float[vocab + 7];
            float[] b = new float[vocab + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (random.nextGaussian() * (1 + trial % 5) * 4);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (random.nextGaussian() * (1 + trial % 3) * 4);
            }
            if (trial >= 36) {
                System.arraycopy(edges[trial % edges.length], 0, a, 7, 3);
                System.arraycopy(edges[(trial + 3) % edges.length], 0, b, 3, 3);
            }
            float[] rowA = java.util.Arrays.copyOfRange(a, 7, 7 + vocab);
            float[] rowB = java.util.Arrays.copyOfRange(b, 3, 3 + vocab);
            double composed = Distributions.kl(Distributions.logSoftmax(rowA), Distributions.logSoftmax(rowB));
            // boxed: Double.equals compares the bits, NaN included
            assertThat(Double.valueOf(Distributions.kl(a, 7, b, 3, vocab))).as("trial %d, vocab %d", trial, vocab).isEqualTo(Double.valueOf(composed));
            assertThat(Double.valueOf(Distributions.kl(rowA, rowB))).isEqualTo(Double.valueOf(composed));
            // a prepared reference gives the same bits, against every compared row
            Distributions.Reference prepared = Distributions.Reference.of(a, 7, vocab);
            assertThat(Double.valueOf(prepared.kl(b, 3, vocab))).isEqualTo(Double.valueOf(composed));
            assertThat(Double.valueOf(prepared.kl(rowA, 0, vocab)))
                    .isEqualTo(Double.valueOf(Distributions.kl(Distributions.logSoftmax(rowA), Distributions.logSoftmax(rowA))));
            int token = random.nextInt(vocab);
            assertThat(Double.valueOf(Distributions.logProbability(rowA, token))).isEqualTo(Double.valueOf(Distributions.logSoftmax(rowA)[token]));
        }
        // a −∞ logit in Q where P > 0 makes +∞; NaN stays NaN
        assertThat(Distributions.kl(new float[] {0, 0}, 0, new float[] {0, -inf}, 0, 2)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Distributions.kl(new float[] {0, Float.NaN}, 0, new float[] {0, 0}, 0, 2)).isNaN();
    }

    @Test
    void logSoftmaxStaysFiniteForFarApartLogits() {
        double[] l = Distributions.logSoftmax(new double[] {0, 2000});
        assertThat(l[0]).isEqualTo(-2000.0);
        assertThat(l[1]).isEqualTo(0.0);
        assertThat(Distributions.kl(Distributions.logSoftmax(new double[] {0, 0}), l)).isCloseTo(1000 - Math.log(2), within(1e-9));
    }

    @Test
    void topKPutsTheLargestFirstAndTheLowerIndexFirstAmongTies() {
        double[] values = {0.1, 0.7, 0.3, 0.7, -1, 0.5};
        assertThat(Distributions.topK(values, 3)).containsExactly(1, 3, 5);
        assertThat(Distributions.topK(values, 1)).containsExactly(1);
        assertThat(Distributions.topK(values, 6)).containsExactly(1, 3, 5, 2, 0, 4);
        assertThat(Distributions.topK(new float[] {2f, Float.NaN, 2f, 3f}, 4)).containsExactly(3, 0, 2, 1);
        assertThat(Distributions.argmax(values)).isEqualTo(1);
    }

    @Test
    void klEdgeRules() {
        // P has a zero where Q does not: that term is 0 (0·log 0 = 0)
        double[] p = Distributions.logSoftmax(new float[] {0, Float.NEGATIVE_INFINITY});
        double[] q = Distributions.logSoftmax(new float[] {0, 0});
        assertThat(Distributions.kl(p, q)).isCloseTo(Math.log(2), within(1e-15));
        // Q has a zero where P does not: +infinity, kept
        assertThat(Distributions.kl(q, p)).isEqualTo(Double.POSITIVE_INFINITY);
        // a NaN logit is never a number, and rounding never leaves a negative divergence
        assertThat(Distributions.kl(new float[] {0, Float.NaN}, new float[] {0, 0})).isNaN();
        float[] nearlyEqual = {0.1f, 0.2f, 0.30000001f, 17f};
        assertThat(Distributions.kl(nearlyEqual, nearlyEqual.clone())).isZero();
        // float logits are widened: the same as the double overload
        assertThat(Distributions.kl(new float[] {0f, 1f}, new float[] {1f, 0f}))
                .isEqualTo(Distributions.kl(Distributions.logSoftmax(new double[] {0, 1}), Distributions.logSoftmax(new double[] {1, 0})));
    }

    @Test
    void overlapOfKnownLists() {
        assertThat(Distributions.overlap(new int[] {1, 2, 3, 4, 5}, new int[] {5, 9, 1, 8, 7}, 5)).isEqualTo(0.4);
        assertThat(Distributions.overlap(new int[] {1, 2}, new int[] {3, 4}, 2)).isZero();
    }
}
