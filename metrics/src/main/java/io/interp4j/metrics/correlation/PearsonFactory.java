package io.interp4j.metrics.correlation;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.TypedMetric;

/** {@code pearson}: Pearson's linear correlation of two paired series. */
public final class PearsonFactory extends BaseMetricFactory {
    static final String ID = "pearson";

    /** Creates the factory. */
    public PearsonFactory() {
        super(ID, "Pearson's r of two paired series");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        return new Pearson();
    }

    private static final class Pearson extends TypedMetric<PairedSeries> {
        Pearson() {
            super(ID, PairedSeries.class);
        }

        @Override
        protected MetricResult computeTyped(PairedSeries input) {
            return Correlation.pearson(input.x(), input.y());
        }

        @Override
        public String describe() {
            return "Pearson's r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²) over the paired points, unitless in [−1, 1]; NaN when"
                    + " there are fewer than 2 points, a non-finite value, or a series with zero variance (details say which)";
        }
    }
}
