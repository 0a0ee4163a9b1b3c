package io.interp4j.metrics.target;

import static io.interp4j.metrics.Logits.compare;
import static io.interp4j.metrics.Logits.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.Logits;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LogitDifferenceTest extends MetricContract {
    @Override
    protected String id() {
        return "logit-difference";
    }

    @Override
    protected String fullMapping() {
        return "position = -1";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("position = \"\"", "position", "position = {a = 1}", "position");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(of(1, 4, 2), of(3, 0.5f, 2), 1, 0);
    }

    @Test
    void differenceInTheIntervenedRunWithTheReferenceAndTheChange() {
        // intervened: logit(1) − logit(0) = 0.5 − 3 = −2.5; reference: 4 − 1 = 3; change = −5.5
        MetricResult r = metric().compute(compare(of(1, 4, 2), of(3, 0.5f, 2), 1, 0));
        assertThat(r.value()).isEqualTo(-2.5);
        assertThat(r.unit()).isEqualTo("logits");
        assertThat(r.details()).containsEntry("reference", 3.0).containsEntry("change", -5.5);
    }

    @Test
    void bothTargetsAreRequired() {
        LogitComparison noWrong = new LogitComparison(Logits.rows(of(1, 2)), Logits.rows(of(1, 2)), OptionalInt.of(1),
                OptionalInt.empty());
        assertThatThrownBy(() -> metric().compute(noWrong))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("logit-difference")
                .hasMessageContaining("wrongTarget");
    }

    @Test
    void describeNamesTheFormula() {
        assertThat(metric().describe()).contains("logit_intervened(target) − logit_intervened(wrong target)", "last position");
    }
}
