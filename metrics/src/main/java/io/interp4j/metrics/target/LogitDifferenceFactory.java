package io.interp4j.metrics.target;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code logit-difference}: the target's logit minus the wrong target's, in the intervened run. */
public final class LogitDifferenceFactory extends BaseMetricFactory {
    static final String ID = "logit-difference";

    /** Creates the factory. */
    public LogitDifferenceFactory() {
        super(ID, "logit(target) − logit(wrong target) in the intervened run");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        PositionSelection position = PositionSelection.one(ID, settings, "position");
        settings.check();
        return new LogitDifference(position);
    }
}
