package io.interp4j.metrics.recovery;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code recovery}: the share of a divergence that patching removes. */
public final class RecoveryFactory extends BaseMetricFactory {
    static final String ID = "recovery";

    /** Creates the factory. */
    public RecoveryFactory() {
        super(ID, "1 − divergence(patched) / divergence(base)");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        return new Recovery();
    }
}
