package io.interp4j.metrics.generation;

import io.interp4j.api.metric.Metric;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.MetricSettings;

/** {@code throughput}: generated tokens per second. */
public final class ThroughputFactory extends BaseMetricFactory {
    static final String ID = "throughput";

    /** Creates the factory. */
    public ThroughputFactory() {
        super(ID, "total new tokens / total generation seconds");
    }

    @Override
    protected Metric create(MetricSettings settings) {
        return new Throughput();
    }
}
