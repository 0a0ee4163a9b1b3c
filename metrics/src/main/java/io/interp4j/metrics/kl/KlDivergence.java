package io.interp4j.metrics.kl;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.TypedMetric;
import java.util.HashMap;
import java.util.Map;

final class KlDivergence extends TypedMetric<LogitComparison> {
    private final boolean referenceFirst;
    private final PositionSelection positions;

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
        Map<String, Double> details = new HashMap<>();
        double sum = 0;
        for (int row : rows) {
            double kl = divergence(LogSoftmax.row(p, row), LogSoftmax.row(q, row));
            details.put("position-" + row, kl);
            sum += kl;
        }
        details.put("positions", (double) rows.length);
        return new MetricResult(sum / rows.length, "nats", details);
    }

    /**
     * KL(P ‖ Q) = Σ_i P_i (log P_i − log Q_i), summed in double. A term with P_i = 0 is 0 (0·log 0 = 0,
     * whatever Q_i is); a term with P_i > 0 and Q_i = 0 is +∞, kept: the published bf16 runs reported
     * ∞ and clamping would hide it. Rounding can leave a result a few ulps below 0 for nearly equal rows.
     */
    static double divergence(float[] logP, float[] logQ) {
        double sum = 0;
        for (int i = 0; i < logP.length; i++) {
            double prob = Math.exp(logP[i]);
            if (prob == 0) {
                continue;
            }
            sum += prob * ((double) logP[i] - logQ[i]);
        }
        return sum;
    }

    @Override
    public String describe() {
        String pq = referenceFirst ? "KL(P_reference ‖ P_intervened)" : "KL(P_intervened ‖ P_reference)";
        return pq + " in nats " + positions.describe() + ": Σ P·(log P − log Q) over the full vocabulary, from float32"
                + " log-softmax of the logits, with 0·log 0 = 0; +Infinity when Q is 0 where P > 0 (not clamped); NaN"
                + " when a row holds a NaN or +Infinity logit";
    }
}
