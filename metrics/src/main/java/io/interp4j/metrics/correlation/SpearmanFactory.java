package io.interp4j.metrics.correlation;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Arrays;
import java.util.Map;

/** {@code spearman}: Spearman's rank correlation of two paired series. */
public final class SpearmanFactory extends BaseMetricFactory {
    static final String ID = "spearman";

    /** Creates the factory. */
    public SpearmanFactory() {
        super(ID, "Spearman's ρ (Pearson's r of average ranks) of two paired series");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        return new Spearman();
    }

    private static final class Spearman extends TypedMetric<PairedSeries> {
        Spearman() {
            super(ID, PairedSeries.class);
        }

        @Override
        protected MetricResult computeTyped(PairedSeries input) {
            double[] x = input.x();
            double[] y = input.y();
            long nan = Arrays.stream(x).filter(Double::isNaN).count() + Arrays.stream(y).filter(Double::isNaN).count();
            if (nan > 0) {
                return new MetricResult(Double.NaN, "correlation", Map.of("points", (double) x.length, "nan-values", (double) nan));
            }
            return Correlation.pearson(Correlation.averageRanks(x), Correlation.averageRanks(y));
        }

        @Override
        public String describe() {
            return "Spearman's ρ = Pearson's r of the ranks of x and of y (rank 1 = smallest, tied values share their average"
                    + " rank, ±Infinity ranks as the extremes), unitless in [−1, 1]; NaN when there are fewer than 2 points, a"
                    + " NaN value (detail nan-values), or all values of a series tied (details zero-variance-x/-y)";
        }
    }
}
