package org.example.interp4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopTokenDropTest extends MetricContract {
    private static final float LN3 = (float) Math.log(3);

    @Override
    protected String id() {
        return "top-token-drop";
    }

    @Override
    protected String fullMapping() {
        return "position = -2";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("position = last", "position");
    }

    /** Reference logits [0, ln 3] give p = [1/4, 3/4], top token 1; intervened [ln 3, 0] give it 1/4. */
    @Override
    protected MetricInput sampleInput() {
        return MetricInput.LogitComparison.of(new TensorData(new long[] {1, 2}, new float[] {0, LN3}),
                new TensorData(new long[] {1, 2}, new float[] {LN3, 0}));
    }

    @Test
    void theDropIsTheTopTokensLostProbability() {
        assertThat(metric().compute(sampleInput()).value()).isCloseTo(0.75 - 0.25, within(1e-7));
    }

    @Test
    void aPositionCountsFromTheEndWhenNegative() {
        // two positions: the first unchanged (drop 0), the second as in sampleInput (drop 1/2)
        MetricInput twoPositions = MetricInput.LogitComparison.of(new TensorData(new long[] {2, 2}, new float[] {1, 2, 0, LN3}),
                new TensorData(new long[] {2, 2}, new float[] {1, 2, LN3, 0}));
        assertThat(metric("position = -2").compute(twoPositions).value()).isCloseTo(0, within(1e-12));
        assertThat(metric("position = 1").compute(twoPositions).value()).isCloseTo(0.5, within(1e-7));
    }
}
