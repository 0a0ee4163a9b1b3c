package io.interp4j.metrics.target;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Map;

final class LogitDifference extends TypedMetric<LogitComparison> {
    private final PositionSelection position;

    LogitDifference(PositionSelection position) {
        super(LogitDifferenceFactory.ID, LogitComparison.class);
        this.position = position;
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        TargetRead read = TargetRead.of(id(), input, position, true);
        double intervened = difference(input.intervened(), read);
        double reference = difference(input.reference(), read);
        return new MetricResult(intervened, "logits", Map.of("reference", reference, "change", intervened - reference,
                "position", (double) read.position(), "target", (double) read.target(), "wrong-target",
                (double) read.wrongTarget()));
    }

    private static double difference(TensorData logits, TargetRead read) {
        int base = read.position() * LogSoftmax.vocab(logits);
        return (double) logits.at(base + read.target()) - logits.at(base + read.wrongTarget());
    }

    @Override
    public boolean readsTarget() {
        return true;
    }

    @Override
    public boolean readsWrongTarget() {
        return true;
    }

    @Override
    public String describe() {
        return "logit difference logit_intervened(target) − logit_intervened(wrong target) " + position.describe()
                + ", in raw logits (no softmax); details: reference = the same difference in the reference run, change ="
                + " intervened − reference";
    }
}
