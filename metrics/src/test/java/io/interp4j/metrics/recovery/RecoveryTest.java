package io.interp4j.metrics.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.Divergences;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import org.junit.jupiter.api.Test;

class RecoveryTest extends MetricContract {
    @Override
    protected String id() {
        return "recovery";
    }

    @Override
    protected MetricInput sampleInput() {
        return new Divergences(0.5, 2.0);
    }

    @Test
    void oneMinusPatchedOverBase() {
        // 1 − 0.5/2 = 0.75
        MetricResult r = metric().compute(new Divergences(0.5, 2.0));
        assertThat(r.value()).isEqualTo(0.75);
        assertThat(r.unit()).isEqualTo("fraction");
        assertThat(r.details()).containsEntry("base-is-zero", 0.0);
        // the last layer: patched = trained, KL 0 → recovery 1 by construction
        assertThat(metric().compute(new Divergences(0, 3.2)).value()).isEqualTo(1.0);
        // patching made it worse: 1 − 3/2 = −0.5
        assertThat(metric().compute(new Divergences(3, 2)).value()).isEqualTo(-0.5);
        // 1 − 0.068/2 = 0.966 (a published-looking value)
        assertThat(metric().compute(new Divergences(0.068, 2)).value()).isCloseTo(0.966, within(1e-12));
    }

    @Test
    void zeroBaseIsNaNWithADetail() {
        MetricResult r = metric().compute(new Divergences(0, 0));
        assertThat(r.value()).isNaN();
        assertThat(r.details()).containsEntry("base-is-zero", 1.0);
    }

    @Test
    void infinitiesFollowIeeeArithmetic() {
        assertThat(metric().compute(new Divergences(1, Double.POSITIVE_INFINITY)).value()).isEqualTo(1.0);
        assertThat(metric().compute(new Divergences(Double.POSITIVE_INFINITY, 1)).value()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void roundingNoiseAndNaNDoNotStopASweep() {
        // a KL of nearly equal rows a few ulps below 0: recovery a hair above 1, not an error
        assertThat(metric().compute(new Divergences(-1e-9, 2)).value()).isCloseTo(1.0, within(1e-8)).isGreaterThan(1.0);
        assertThat(metric().compute(new Divergences(0.1, Double.NaN)).value()).isNaN();
        assertThat(metric().compute(new Divergences(Double.NaN, 1)).value()).isNaN();
    }

    @Test
    void describeStatesTheFormulaAndTheZeroCase() {
        assertThat(metric().describe()).contains("1 − divergence(patched) / divergence(base)", "NaN", "base-is-zero");
    }
}
