package io.interp4j.metrics.argmax;

import static io.interp4j.metrics.Logits.compare;
import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgmaxAgreementTest extends MetricContract {
    @Override
    protected String id() {
        return "argmax-agreement";
    }

    @Override
    protected String fullMapping() {
        return "positions = all";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("positions = everywhere", "positions", "positions = [first]", "positions");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(of(0, 3, 1), of(0, 2, 1));
    }

    @Test
    void agreementAtTheLastPosition() {
        // argmax 1 and 1: agree
        MetricResult agree = metric().compute(compare(of(0, 3, 1), of(0, 2, 1)));
        assertThat(agree.value()).isEqualTo(1.0);
        assertThat(agree.unit()).isEqualTo("fraction");
        assertThat(agree.details()).containsEntry("reference-argmax-0", 1.0).containsEntry("intervened-argmax-0", 1.0);
        // argmax 1 vs 2: disagree
        assertThat(metric().compute(compare(of(0, 3, 1), of(0, 2, 4))).value()).isZero();
        // a tie [2, 2, 0] has argmax 0 (lower id), which agrees with [5, 1, 0]
        assertThat(metric().compute(compare(of(2, 2, 0), of(5, 1, 0))).value()).isEqualTo(1.0);
    }

    @Test
    void fractionOverSeveralPositions() {
        // positions: agree, disagree, agree, disagree → 2/4; only the last (disagree) by default
        LogitComparison input = LogitComparison.of(rows(of(1, 0), of(1, 0), of(0, 1), of(0, 1)),
                rows(of(1, 0), of(0, 1), of(0, 1), of(1, 0)));
        assertThat(metric("positions = all").compute(input).value()).isEqualTo(0.5);
        assertThat(metric("positions = [0, 2]").compute(input).value()).isEqualTo(1.0);
        assertThat(metric().compute(input).value()).isZero();
        assertThat(metric("positions = all").compute(input).details()).containsEntry("position-1", 0.0)
                .containsEntry("position-2", 1.0);
    }

    @Test
    void describeSaysWhatAgreementMeans() {
        assertThat(metric().describe()).contains("argmax", "last position", "fraction");
    }
}
