package io.interp4j.experiments.atlas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The atlas arithmetic on cases small enough to work out by hand. */
class StatsTest {
    @Test
    void klOfTwoHandDistributions() {
        // p = (1/4, 3/4), q = (1/2, 1/2): KL = 1/4 ln(1/2) + 3/4 ln(3/2)
        float[] p = {0, (float) Math.log(3)};
        float[] q = {0, 0};
        assertThat(Stats.kl(p, q)).isCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), within(1e-7));
        assertThat(Stats.kl(p, p)).isCloseTo(0, within(1e-12));
        assertThat(Stats.logSoftmax(q)).containsExactly(new double[] {Math.log(0.5), Math.log(0.5)}, within(1e-12));
    }

    @Test
    void pearsonSpearmanAndRanks() {
        // deviations (-1.5, -0.5, 0.5, 1.5) and (-1.5, 0.5, -0.5, 1.5): 4 / sqrt(5 * 5)
        assertThat(Stats.pearson(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4})).isCloseTo(0.8, within(1e-12));
        assertThat(Stats.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1})).isCloseTo(-1, within(1e-12));
        assertThat(Stats.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
        assertThat(Stats.ranks(new double[] {10, 20, 20, 5})).containsExactly(2, 3.5, 3.5, 1);
        // monotone but not linear: rho 1, r below 1
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {1, 4, 9, 16, 100};
        assertThat(Stats.spearman(x, y)).isCloseTo(1, within(1e-12));
        assertThat(Stats.pearson(x, y)).isLessThan(0.95);
    }

    @Test
    void aPerfectCorrelationNeverLeavesTheUnitInterval() {
        Random random = new Random(3);
        for (int trial = 0; trial < 2000; trial++) {
            double[] a = random.doubles(2 + random.nextInt(6)).toArray();
            double[] b = new double[a.length];
            double[] c = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = 0.1 + 3.7 * a[i];
                c[i] = -b[i];
            }
            assertThat(Stats.pearson(a, b)).isBetween(1 - 1e-12, 1.0);
            assertThat(Stats.pearson(a, c)).isBetween(-1.0, -1 + 1e-12);
        }
    }

    @Test
    void familyMeanWeighsFamiliesNotPrompts() {
        double[] values = {1, 2, 3, 10};
        int[][] families = Stats.families(List.of("a", "a", "a", "b"));
        assertThat(families).isDeepEqualTo(new int[][] {{0, 1, 2}, {3}});
        assertThat(Stats.familyMean(values, families)).isEqualTo(6.0);
        assertThat(Stats.families(java.util.Arrays.asList("a", null, "b"))).isDeepEqualTo(new int[][] {{0}, {2}});
    }

    @Test
    void bootstrapIntervalsAreSeededAndCollapseWithoutSpread() {
        double[] constant = {0.3, 0.3, 0.3};
        assertThat(Stats.bootstrapMean(constant, 1)).containsExactly(0.3, 0.3);
        // one prompt per family: every resample is the data itself
        double[] values = {1, 5};
        assertThat(Stats.bootstrapFamilyMean(values, new int[][] {{0}, {1}}, 9)).containsExactly(3.0, 3.0);
        double[] coin = new double[100];
        for (int i = 0; i < coin.length; i += 2) {
            coin[i] = 1;
        }
        double[] ci = Stats.bootstrapMean(coin, 4);
        assertThat(ci).isEqualTo(Stats.bootstrapMean(coin, 4));
        // the mean of 100 fair coins has standard error 0.05: a 95% interval about ±0.1 wide around 0.5
        assertThat(ci[0]).isBetween(0.36, 0.46);
        assertThat(ci[1]).isBetween(0.54, 0.64);
    }

    @Test
    void topKBreaksTiesTowardsTheLowerIndex() {
        assertThat(Stats.topK(new double[] {1, 3, 3, 2}, 2)).containsExactly(1, 2);
        assertThat(Stats.topK(new float[] {5, 1, 5}, 3)).containsExactly(0, 2, 1);
        assertThat(Stats.topKOverlap(new float[] {4, 3, 2, 1}, new float[] {4, 1, 2, 3}, 2)).isEqualTo(0.5);
        assertThat(Stats.argmax(new double[] {2, 7, 7})).isEqualTo(1);
    }
}
