package io.interp4j.api.probe;

import io.interp4j.api.Stable;
import io.interp4j.api.plugin.PluginFactory;

/**
 * The SPI of probe plugins, found with {@link java.util.ServiceLoader}; settings live under {@code
 * interp4j.probe.<id>} in the plugin's {@code reference.conf}.
 *
 * @since 0.1
 */
@Stable
public interface ProbeFactory extends PluginFactory<Probe> {}
