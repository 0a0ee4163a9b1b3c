package io.interp4j.metrics.correlation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import org.junit.jupiter.api.Test;

class SpearmanTest extends MetricContract {
    @Override
    protected String id() {
        return "spearman";
    }

    @Override
    protected MetricInput sampleInput() {
        return new PairedSeries(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4});
    }

    @Test
    void monotoneSeriesHaveRankCorrelationOne() {
        // ranks of [1,2,3] and of [2,4,7] are both [1,2,3]; Pearson would give 0.9934
        assertThat(metric().compute(new PairedSeries(new double[] {1, 2, 3}, new double[] {2, 4, 7})).value()).isEqualTo(1.0);
        assertThat(metric().compute(new PairedSeries(new double[] {1, 2, 3}, new double[] {9, 1, 0})).value()).isEqualTo(-1.0);
    }

    @Test
    void tiesShareTheirAverageRank() {
        // x = [1,2,2,3] → ranks [1, 2.5, 2.5, 4]; y = [1,3,2,4] → ranks [1, 3, 2, 4]; both means 2.5
        // dx = [−1.5, 0, 0, 1.5], dy = [−1.5, 0.5, −0.5, 1.5]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5
        // ρ = 4.5 / √(4.5·5) = √0.9 = 0.9486833
        MetricResult r = metric().compute(new PairedSeries(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}));
        assertThat(r.value()).isCloseTo(0.9486833, within(1e-7));
        assertThat(Correlation.averageRanks(new double[] {5, 1, 5, 5, 0})).containsExactly(4, 2, 4, 4, 1);
    }

    @Test
    void infinityRanksAsTheLargestAndNaNOrTiesEverywhereGiveNaN() {
        assertThat(metric().compute(new PairedSeries(new double[] {1, 2, 3},
                new double[] {1, 2, Double.POSITIVE_INFINITY})).value()).isEqualTo(1.0);
        MetricResult nan = metric().compute(new PairedSeries(new double[] {1, 2, 3}, new double[] {1, Double.NaN, 2}));
        assertThat(nan.value()).isNaN();
        assertThat(nan.details()).containsEntry("nan-values", 1.0);
        MetricResult tied = metric().compute(new PairedSeries(new double[] {4, 4, 4}, new double[] {1, 2, 3}));
        assertThat(tied.value()).isNaN();
        assertThat(tied.details()).containsEntry("zero-variance-x", 1.0);
        assertThat(metric().compute(new PairedSeries(new double[0], new double[0])).value()).isNaN();
    }

    @Test
    void describeNamesRanksAndTies() {
        assertThat(metric().describe()).contains("Spearman", "average rank");
    }
}
