package io.interp4j.metrics.target;

import io.interp4j.api.metric.Metric;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.MetricSettings;

/** {@code target-logprob-drop}: how much the intervention lowers the target token's log-probability. */
public final class TargetLogprobDropFactory extends BaseMetricFactory {
    static final String ID = "target-logprob-drop";

    /** Creates the factory. */
    public TargetLogprobDropFactory() {
        super(ID, "log p_reference(target) − log p_intervened(target), in nats");
    }

    @Override
    protected Metric create(MetricSettings settings) {
        return new TargetLogprobDrop(PositionSelection.one(ID, settings, "position"), settings.flag("floor-at-zero"));
    }
}
