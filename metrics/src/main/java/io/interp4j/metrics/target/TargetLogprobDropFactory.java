package io.interp4j.metrics.target;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code target-logprob-drop}: how much the intervention lowers the target token's log-probability. */
public final class TargetLogprobDropFactory extends BaseMetricFactory {
    static final String ID = "target-logprob-drop";

    /** Creates the factory. */
    public TargetLogprobDropFactory() {
        super(ID, "log p_reference(target) − log p_intervened(target), in nats");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        PositionSelection position = PositionSelection.one(ID, settings, "position");
        boolean floorAtZero = settings.bool("floor-at-zero");
        settings.check();
        return new TargetLogprobDrop(position, floorAtZero);
    }
}
