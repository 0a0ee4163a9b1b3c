package io.interp4j.api.experiment;

import io.interp4j.api.Stable;
import io.interp4j.api.plugin.PluginFactory;

/**
 * The SPI of experiment plugins, found with {@link java.util.ServiceLoader}; settings live under
 * {@code interp4j.experiment.<id>} in the plugin's {@code reference.conf}.
 *
 * @since 0.1
 */
@Stable
public interface ExperimentFactory extends PluginFactory<Experiment> {}
