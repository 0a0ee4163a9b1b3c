package io.interp4j.metrics.target;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Map;

final class TargetProbability extends TypedMetric<LogitComparison> {
    private final PositionSelection position;

    TargetProbability(PositionSelection position) {
        super(TargetProbabilityFactory.ID, LogitComparison.class);
        this.position = position;
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        TargetRead read = TargetRead.of(id(), input, position, false);
        double intervened = Math.exp(LogSoftmax.at(input.intervened(), read.position(), read.target()));
        double reference = Math.exp(LogSoftmax.at(input.reference(), read.position(), read.target()));
        return new MetricResult(intervened, "probability", Map.of("reference-probability", reference, "change",
                intervened - reference, "position", (double) read.position(), "target", (double) read.target()));
    }

    @Override
    public boolean readsTarget() {
        return true;
    }

    @Override
    public String describe() {
        return "softmax probability p_intervened(target) " + position.describe() + ", exp of the float32 log-softmax of the"
                + " intervened logits, in [0, 1]; details: reference-probability = p_reference(target) and change ="
                + " p_intervened − p_reference";
    }
}
