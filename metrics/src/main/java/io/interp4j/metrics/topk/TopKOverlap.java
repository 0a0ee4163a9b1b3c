package io.interp4j.metrics.topk;

import io.interp4j.api.Problem;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.metrics.logits.LastReference;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.logits.Ranking;
import io.interp4j.metrics.support.TypedMetric;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class TopKOverlap extends TypedMetric<LogitComparison> {
    private final int k;
    private final PositionSelection positions;
    private final LastReference<int[]> referenceTop = new LastReference<>();

    TopKOverlap(int k, PositionSelection positions) {
        super(TopKOverlapFactory.ID, LogitComparison.class);
        this.k = k;
        this.positions = positions;
    }

    @Override
    public List<Problem> checkAgainst(ModelConfig model) {
        return k > model.vocabSize()
                ? List.of(Problem.found(PluginKind.METRIC.problemPath(TopKOverlapFactory.ID) + ".k", String.valueOf(k),
                        "1.." + model.vocabSize() + " (the vocabulary size)"))
                : List.of();
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        int vocab = LogSoftmax.vocab(input.reference());
        if (k > vocab) {
            throw invalidInput("k = " + k + " (interp4j.metric." + TopKOverlapFactory.ID + ".k) exceeds the vocabulary of "
                    + vocab + " tokens");
        }
        int[] rows = positions.resolve(LogSoftmax.positions(input.reference()));
        Map<String, Double> details = new HashMap<>();
        double sum = 0;
        for (int row : rows) {
            // the reference's top-k once per reference: one clean run is compared with many intervened ones
            int[] ref = referenceTop.row(input.reference(), row, r -> Ranking.topK(input.reference(), r, k));
            int[] intervened = Ranking.topK(input.intervened(), row, k);
            int shared = 0;
            for (int a : ref) {
                for (int b : intervened) {
                    if (a == b) {
                        shared++;
                    }
                }
            }
            double overlap = (double) shared / k;
            details.put("position-" + row, overlap);
            sum += overlap;
        }
        details.put("positions", (double) rows.length);
        return new MetricResult(sum / rows.length, "fraction", details);
    }

    @Override
    public String describe() {
        return "top-" + k + " overlap |top" + k + "(reference) ∩ top" + k + "(intervened)| / " + k + " " + positions.describe()
                + ", a fraction in [0, 1]; tokens ranked by logit, equal logits broken by the lower token id";
    }
}
