package io.interp4j.metrics.argmax;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.logits.Ranking;
import io.interp4j.metrics.support.TypedMetric;
import java.util.HashMap;
import java.util.Map;

final class ArgmaxAgreement extends TypedMetric<LogitComparison> {
    private final PositionSelection positions;

    ArgmaxAgreement(PositionSelection positions) {
        super(ArgmaxAgreementFactory.ID, LogitComparison.class);
        this.positions = positions;
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        int[] rows = positions.resolve(LogSoftmax.positions(input.reference()));
        Map<String, Double> details = new HashMap<>();
        int agreeing = 0;
        for (int row : rows) {
            int ref = Ranking.argmax(input.reference(), row);
            int intervened = Ranking.argmax(input.intervened(), row);
            details.put("position-" + row, ref == intervened ? 1.0 : 0.0);
            details.put("reference-argmax-" + row, (double) ref);
            details.put("intervened-argmax-" + row, (double) intervened);
            agreeing += ref == intervened ? 1 : 0;
        }
        details.put("positions", (double) rows.length);
        return new MetricResult((double) agreeing / rows.length, "fraction", details);
    }

    @Override
    public String describe() {
        return "argmax agreement: fraction of the selected positions where argmax(reference logits) = argmax(intervened"
                + " logits), " + positions.describe() + " (each position 1 or 0), in [0, 1]; equal maxima broken by the lower"
                + " token id";
    }
}
