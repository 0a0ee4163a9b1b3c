package io.interp4j.metrics.generation;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code throughput}: generated tokens per second. */
public final class ThroughputFactory extends BaseMetricFactory {
    static final String ID = "throughput";

    /** Creates the factory. */
    public ThroughputFactory() {
        super(ID, "total new tokens / total generation seconds");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        return new Throughput();
    }
}
