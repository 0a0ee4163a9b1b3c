package io.interp4j.api.metric;

import io.interp4j.api.Stable;
import io.interp4j.api.plugin.PluginFactory;

/**
 * The SPI of metric plugins, found with {@link java.util.ServiceLoader}; settings live under {@code
 * interp4j.metric.<id>} in the plugin's {@code reference.conf}.
 *
 * @since 0.1
 */
@Stable
public interface MetricFactory extends PluginFactory<Metric> {}
