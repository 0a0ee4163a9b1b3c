package io.interp4j.metrics.target;

import static io.interp4j.metrics.Logits.compare;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.Logits;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetLogprobDropTest extends MetricContract {
    private static final float[] ONE_TWO_THREE = {0, (float) Math.log(2), (float) Math.log(3)};
    private static final float[] UNIFORM = {0, 0, 0};

    @Override
    protected String id() {
        return "target-logprob-drop";
    }

    @Override
    protected String fullMapping() {
        return "position = first, floor-at-zero = true";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("position = middle", "position", "floor-at-zero = maybe", "floor-at-zero", "floor-at-zero = 1",
                "floor-at-zero");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(ONE_TWO_THREE, UNIFORM, 2, 0);
    }

    @Test
    void dropOfTheTargetLogProbability() {
        // reference p(2) = 1/2, intervened p(2) = 1/3: drop = ln(1/2) − ln(1/3) = ln 1.5 = 0.405465 nats
        MetricResult r = metric().compute(compare(ONE_TWO_THREE, UNIFORM, 2, 0));
        assertThat(r.value()).isCloseTo(0.4054651, within(1e-6));
        assertThat(r.unit()).isEqualTo("nats");
        assertThat(r.details().get("reference-logprob")).isCloseTo(Math.log(0.5), within(1e-6));
        assertThat(r.details().get("intervened-logprob")).isCloseTo(Math.log(1.0 / 3), within(1e-6));
    }

    @Test
    void aRiseIsANegativeDropUnlessFlooredAtZero() {
        // target 0: reference p = 1/6, intervened p = 1/3: drop = ln(1/6) − ln(1/3) = −ln 2
        LogitComparison rise = compare(ONE_TWO_THREE, UNIFORM, 0, 1);
        assertThat(metric().compute(rise).value()).isCloseTo(-Math.log(2), within(1e-6));
        MetricResult floored = metric("floor-at-zero = true").compute(rise);
        assertThat(floored.value()).isZero();
        assertThat(floored.details().get("unfloored-drop")).isCloseTo(-Math.log(2), within(1e-6));
    }

    @Test
    void targetIsRequired() {
        assertThatThrownBy(() -> metric().compute(Logits.compare(UNIFORM, UNIFORM)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("target-logprob-drop")
                .hasMessageContaining("target");
    }

    @Test
    void describeNamesTheFormula() {
        assertThat(metric().describe()).contains("log p_reference(target) − log p_intervened(target)", "nats", "last position");
        assertThat(metric("floor-at-zero = true").describe()).contains("max(0,");
    }
}
