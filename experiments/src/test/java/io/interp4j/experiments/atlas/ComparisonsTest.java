package io.interp4j.experiments.atlas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rows' comparisons, read through the study's metric plugins, on cases worked out by hand. */
class ComparisonsTest extends TinyStudyTest {
    private final Comparisons compare = Comparisons.of(study);

    @Test
    void klOfTwoHandDistributions() {
        // p = (1/4, 3/4), q = (1/2, 1/2): KL = 1/4 ln(1/2) + 3/4 ln(3/2)
        float[] p = {0, (float) Math.log(3)};
        float[] q = {0, 0};
        assertThat(compare.kl(p, q)).isCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), within(1e-7));
        assertThat(compare.kl(p, p)).isCloseTo(0, within(1e-12));
        // the documented edge rules: Q = 0 where P > 0 is +Infinity, a NaN logit gives NaN
        assertThat(compare.kl(new float[] {0, 0}, new float[] {0, Float.NEGATIVE_INFINITY})).isInfinite();
        assertThat(compare.kl(new float[] {0, Float.NaN}, q)).isNaN();
    }

    @Test
    void topKOverlapBreaksTiesTowardsTheLowerIndex() {
        assertThat(compare.topKOverlap(new float[] {4, 3, 2, 1}, new float[] {4, 1, 2, 3}, 2)).isEqualTo(0.5);
        // {5, 5, 1}: top-2 {0, 1}; {5, 1, 5}: top-2 {0, 2}
        assertThat(compare.topKOverlap(new float[] {5, 5, 1}, new float[] {5, 1, 5}, 2)).isEqualTo(0.5);
        assertThat(compare.topKOverlap(new float[] {5, 5, 1}, new float[] {5, 1, 5}, 3)).isEqualTo(1.0);
    }

    @Test
    void pearsonAndSpearman() {
        // deviations (-1.5, -0.5, 0.5, 1.5) and (-1.5, 0.5, -0.5, 1.5): 4 / sqrt(5 * 5)
        assertThat(compare.pearson(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4})).isCloseTo(0.8, within(1e-12));
        assertThat(compare.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1})).isCloseTo(-1, within(1e-12));
        assertThat(compare.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
        // monotone but not linear: rho 1, r below 1
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {1, 4, 9, 16, 100};
        assertThat(compare.spearman(x, y)).isCloseTo(1, within(1e-12));
        assertThat(compare.pearson(x, y)).isLessThan(0.95);
        // ties share their mean rank: ranks (2, 3.5, 3.5, 1) against (1, 2, 3, 4)
        double mean = 2.5;
        double[] rx = {2, 3.5, 3.5, 1};
        double[] ry = {1, 2, 3, 4};
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < 4; i++) {
            sxy += (rx[i] - mean) * (ry[i] - mean);
            sxx += (rx[i] - mean) * (rx[i] - mean);
            syy += (ry[i] - mean) * (ry[i] - mean);
        }
        assertThat(compare.spearman(new double[] {10, 20, 20, 5}, new double[] {1, 2, 3, 4}))
                .isCloseTo(sxy / Math.sqrt(sxx * syy), within(1e-12));
    }

    @Test
    void aPerfectCorrelationNeverLeavesTheUnitInterval() {
        Random random = new Random(3);
        for (int trial = 0; trial < 500; trial++) {
            double[] a = random.doubles(2 + random.nextInt(6)).toArray();
            double[] b = new double[a.length];
            double[] c = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = 0.1 + 3.7 * a[i];
                c[i] = -b[i];
            }
            assertThat(compare.pearson(a, b)).isBetween(1 - 1e-12, 1.0);
            assertThat(compare.pearson(a, c)).isBetween(-1.0, -1 + 1e-12);
        }
    }
}
