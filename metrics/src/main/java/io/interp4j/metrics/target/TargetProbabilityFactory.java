package io.interp4j.metrics.target;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code target-probability}: the intervened run's probability of the target token. */
public final class TargetProbabilityFactory extends BaseMetricFactory {
    static final String ID = "target-probability";

    /** Creates the factory. */
    public TargetProbabilityFactory() {
        super(ID, "softmax probability of the target token in the intervened run");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        PositionSelection position = PositionSelection.one(ID, settings, "position");
        settings.check();
        return new TargetProbability(position);
    }
}
