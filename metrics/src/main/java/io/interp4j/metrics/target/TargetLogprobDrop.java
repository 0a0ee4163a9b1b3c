package io.interp4j.metrics.target;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Map;

final class TargetLogprobDrop extends TypedMetric<LogitComparison> {
    private final PositionSelection position;
    private final boolean floorAtZero;

    TargetLogprobDrop(PositionSelection position, boolean floorAtZero) {
        super(TargetLogprobDropFactory.ID, LogitComparison.class);
        this.position = position;
        this.floorAtZero = floorAtZero;
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        TargetRead read = TargetRead.of(id(), input, position, false);
        double reference = LogSoftmax.at(input.reference(), read.position(), read.target());
        double intervened = LogSoftmax.at(input.intervened(), read.position(), read.target());
        double drop = reference - intervened;
        return new MetricResult(floorAtZero ? Math.max(0, drop) : drop, "nats", Map.of("reference-logprob", reference,
                "intervened-logprob", intervened, "unfloored-drop", drop, "position", (double) read.position(), "target",
                (double) read.target()));
    }

    @Override
    public boolean readsTarget() {
        return true;
    }

    @Override
    public String describe() {
        return (floorAtZero ? "max(0, log p_reference(target) − log p_intervened(target))" : "log p_reference(target) − log"
                + " p_intervened(target)") + " in nats " + position.describe() + ", from float32 log-softmax of each run's"
                + " logits; positive when the intervention lowers the target"
                + (floorAtZero ? "; negative drops are floored at 0" : "");
    }
}
