package io.interp4j.metrics.correlation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PearsonTest extends MetricContract {
    @Override
    protected String id() {
        return "pearson";
    }

    @Override
    protected MetricInput sampleInput() {
        return new PairedSeries(new double[] {1, 2, 3}, new double[] {2, 4, 7});
    }

    @Test
    void knownSeries() {
        // x̄ = 2, ȳ = 13/3; dx = [−1, 0, 1], dy = [−7/3, −1/3, 8/3]
        // Σdxdy = 7/3 + 8/3 = 5; Σdx² = 2; Σdy² = (49 + 1 + 64)/9 = 114/9
        // r = 5 / √(2·114/9) = 15/√228 = 0.9933993
        MetricResult r = metric().compute(new PairedSeries(new double[] {1, 2, 3}, new double[] {2, 4, 7}));
        assertThat(r.value()).isCloseTo(0.9933993, within(1e-7));
        assertThat(r.unit()).isEqualTo("correlation");
        assertThat(r.details()).containsEntry("points", 3.0);
        // a perfect negative line
        assertThat(metric().compute(new PairedSeries(new double[] {1, 2, 3, 4}, new double[] {8, 6, 4, 2})).value())
                .isEqualTo(-1.0);
    }

    @Test
    void undefinedCasesAreNaNWithDetails() {
        MetricResult one = metric().compute(new PairedSeries(new double[] {1}, new double[] {2}));
        assertThat(one.value()).isNaN();
        assertThat(one.details()).containsEntry("points", 1.0);
        MetricResult flat = metric().compute(new PairedSeries(new double[] {1, 2, 3}, new double[] {3.3, 3.3, 3.3}));
        assertThat(flat.value()).isNaN();
        assertThat(flat.details()).containsEntry("zero-variance-y", 1.0).containsEntry("zero-variance-x", 0.0);
        MetricResult infinite = metric().compute(new PairedSeries(new double[] {1, 2, 3},
                new double[] {1, Double.POSITIVE_INFINITY, 2}));
        assertThat(infinite.value()).isNaN();
        assertThat(infinite.details()).containsEntry("non-finite-values", 1.0);
    }

    @Test
    void matchesTheOnePassTextbookFormulaOnRandomData() {
        Random random = new Random(11);
        double[] x = new double[50];
        double[] y = new double[50];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextGaussian();
            y[i] = 0.6 * x[i] + random.nextGaussian();
        }
        // independent formula: r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²))
        double n = x.length;
        double sx = 0;
        double sy = 0;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sx += x[i];
            sy += y[i];
            sxy += x[i] * y[i];
            sxx += x[i] * x[i];
            syy += y[i] * y[i];
        }
        double expected = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
        assertThat(metric().compute(new PairedSeries(x, y)).value()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void describeNamesTheFormula() {
        assertThat(metric().describe()).contains("Pearson", "NaN");
    }
}
