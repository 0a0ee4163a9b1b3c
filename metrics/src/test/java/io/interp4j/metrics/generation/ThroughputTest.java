package io.interp4j.metrics.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputTest extends MetricContract {
    @Override
    protected String id() {
        return "throughput";
    }

    @Override
    protected MetricInput sampleInput() {
        return new Generations(List.of(new Generated("p", "t", 100, 2_000_000_000L)));
    }

    @Test
    void totalTokensOverTotalSeconds() {
        // 100 tokens in 2 s and 200 tokens in 1 s: 300 / 3 = 100 tokens/s; per-item mean (50 + 200) / 2 = 125
        MetricResult r = metric().compute(new Generations(List.of(new Generated("a", "x", 100, 2_000_000_000L),
                new Generated("b", "y", 200, 1_000_000_000L))));
        assertThat(r.value()).isCloseTo(100, within(1e-9));
        assertThat(r.unit()).isEqualTo("tokens/s");
        assertThat(r.details().get("per-item-mean")).isCloseTo(125, within(1e-9));
        assertThat(r.details()).containsEntry("total-tokens", 300.0).containsEntry("total-seconds", 3.0);
    }

    @Test
    void emptyOrTimelessGenerationsAreRejected() {
        assertThatThrownBy(() -> metric().compute(new Generations(List.of()))).isInstanceOf(Interp4jException.class)
                .hasMessageContaining("throughput");
        assertThatThrownBy(() -> metric().compute(new Generations(List.of(new Generated("a", "x", 5, 0)))))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("generation 0");
    }

    @Test
    void describeStatesTheUnit() {
        assertThat(metric().describe()).contains("tokens/s", "per-item-mean");
    }
}
