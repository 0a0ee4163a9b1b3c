/**
 * Metrics: numbers computed from observations (two logit tensors, paired series, skill drops,
 * generations). A {@link io.interp4j.api.metric.Metric} states exactly what it computes — direction,
 * positions, units — so a report can print it beside the number.
 *
 * @since 0.1
 */
package io.interp4j.api.metric;
