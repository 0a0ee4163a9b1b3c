package io.interp4j.metrics.target;

import static io.interp4j.metrics.Logits.compare;
import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TargetProbabilityTest extends MetricContract {
    private static final float[] ONE_TWO_THREE = {0, (float) Math.log(2), (float) Math.log(3)};
    private static final float[] UNIFORM = {0, 0, 0};

    @Override
    protected String id() {
        return "target-probability";
    }

    @Override
    protected String fullMapping() {
        return "position = 0";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("position = all", "position", "position = [0, 1]", "position", "position = 0.5", "position");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(UNIFORM, ONE_TWO_THREE, 2, 0);
    }

    @Test
    void probabilityOfTheTargetInTheIntervenedRun() {
        // intervened P = [1/6, 1/3, 1/2]: p(2) = 0.5; reference U: p(2) = 1/3; change = 1/6
        MetricResult r = metric().compute(compare(UNIFORM, ONE_TWO_THREE, 2, 0));
        assertThat(r.value()).isCloseTo(0.5, within(1e-6));
        assertThat(r.unit()).isEqualTo("probability");
        assertThat(r.details().get("reference-probability")).isCloseTo(1.0 / 3, within(1e-6));
        assertThat(r.details().get("change")).isCloseTo(1.0 / 6, within(1e-6));
    }

    @Test
    void readsTheSelectedPosition() {
        LogitComparison input = new LogitComparison(rows(UNIFORM, UNIFORM), rows(ONE_TWO_THREE, UNIFORM), OptionalInt.of(0),
                OptionalInt.empty());
        assertThat(metric().compute(input).value()).isCloseTo(1.0 / 3, within(1e-6));
        assertThat(metric("position = first").compute(input).value()).isCloseTo(1.0 / 6, within(1e-6));
        assertThat(metric("position = -2").compute(input).value()).isCloseTo(1.0 / 6, within(1e-6));
    }

    @Test
    void missingOrOutOfRangeTargetIsAClearError() {
        assertThatThrownBy(() -> metric().compute(LogitComparison.of(rows(UNIFORM), rows(UNIFORM))))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("target-probability")
                .hasMessageContaining("LogitComparison.target");
        assertThatThrownBy(() -> metric().compute(compare(UNIFORM, UNIFORM, 3, 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("token id 3")
                .hasMessageContaining("0..2");
    }

    @Test
    void describeNamesRunAndPosition() {
        assertThat(metric().describe()).contains("p_intervened(target)", "last position");
    }
}
