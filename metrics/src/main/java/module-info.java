/** Metric plugins. Exports nothing; found through {@link io.interp4j.api.metric.MetricFactory}. */
module io.interp4j.metrics {
    requires io.interp4j.api;
}
