package io.interp4j.metrics.kl;

import io.interp4j.api.metric.Distributions;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.metrics.logits.LastReference;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.TypedMetric;
import java.util.HashMap;
import java.util.Map;

final class KlDivergence extends TypedMetric<LogitComparison> {
    private final boolean referenceFirst;
    private final PositionSelection positions;
    private final LastReference<Distributions.Reference> prepared = new LastReference<>();

    KlDivergence(boolean referenceFirst, PositionSelection positions) {
        super(KlDivergenceFactory.ID, LogitComparison.class);
        this.referenceFirst = referenceFirst;
        this.positions = positions;
    }

    @Override
    protected MetricResult computeTyped(LogitComparison input) {
        TensorData p = referenceFirst ? input.reference() : input.intervened();
        TensorData q = referenceFirst ? input.intervened() : input.reference();
        int[] rows = positions.resolve(LogSoftmax.positions(p));
        int vocab = LogSoftmax.vocab(p);
        Distributions.requireSameLength(vocab, LogSoftmax.vocab(q));
        // data() is a copy: take it once, and read the rows in place; P's rows are prepared once per
        // reference (the same clean run is compared with many intervened ones), with the same bits
        float[] qData = q.data();
        float[][] pData = new float[1][];
        Map<String, Double> details = new HashMap<>();
        double sum = 0;
        for (int row : rows) {
            Distributions.Reference reference = prepared.row(p, row, r -> {
                if (pData[0] == null) {
                    pData[0] = p.data();
                }
                return Distributions.Reference.of(pData[0], r * vocab, vocab);
            });
            double kl = reference.kl(qData, row * vocab, vocab);
            details.put("position-" + row, kl);
            sum += kl;
        }
        details.put("positions", (double) rows.length);
        return new MetricResult(sum / rows.length, "nats", details);
    }

    @Override
    public String describe() {
        String pq = referenceFirst ? "KL(P_reference ‖ P_intervened)" : "KL(P_intervened ‖ P_reference)";
        return pq + " in nats " + positions.describe() + ": Σ P·(log P − log Q) over the full vocabulary, from the"
                + " float32 logits' log-softmax in double, with 0·log 0 = 0; +Infinity when Q is 0 where P > 0 (not clamped);"
                + " a result rounding leaves below 0 is 0; NaN when a row holds a NaN or +Infinity logit";
    }
}
