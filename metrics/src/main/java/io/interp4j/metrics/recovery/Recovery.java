package io.interp4j.metrics.recovery;

import io.interp4j.api.metric.MetricInput.Divergences;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Map;

/**
 * Recovery (STUDY.md row 7): 1 − KL(trained ‖ patched) / KL(trained ‖ base). When the base divergence
 * is 0 there is nothing to recover and the ratio is undefined: the value is NaN with detail {@code
 * base-is-zero = 1}, so a sweep over prompts keeps running and the report can say why. Inputs are not
 * range-checked: a float32 KL of nearly equal rows can come out a few ulps below 0, which must not
 * stop a sweep, and a NaN divergence (from NaN logits) propagates as NaN.
 */
final class Recovery extends TypedMetric<Divergences> {
    Recovery() {
        super(RecoveryFactory.ID, Divergences.class);
    }

    @Override
    protected MetricResult computeTyped(Divergences input) {
        double patched = input.patched();
        double base = input.base();
        double value = base == 0 ? Double.NaN : 1 - patched / base;
        return new MetricResult(value, "fraction",
                Map.of("patched", patched, "base", base, "base-is-zero", base == 0 ? 1.0 : 0.0));
    }

    @Override
    public String describe() {
        return "recovery = 1 − divergence(patched) / divergence(base), e.g. 1 − KL(trained ‖ patched) / KL(trained ‖ base):"
                + " 1 = the patch removes the whole divergence, 0 = none, negative = worse than unpatched; NaN (detail"
                + " base-is-zero = 1) when the base divergence is 0, NaN when either is NaN; infinities follow IEEE"
                + " arithmetic: base = +Infinity with a finite patched divergence gives 1, patched = +Infinity with a finite"
                + " base gives −Infinity, both infinite gives NaN";
    }
}
