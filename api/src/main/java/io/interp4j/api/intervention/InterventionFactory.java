package io.interp4j.api.intervention;

import io.interp4j.api.Stable;
import io.interp4j.api.plugin.PluginFactory;

/**
 * The SPI of intervention plugins, found with {@link java.util.ServiceLoader}; settings live under
 * {@code interp4j.intervention.<id>} in the plugin's {@code reference.conf}.
 *
 * @since 0.1
 */
@Stable
public interface InterventionFactory extends PluginFactory<InterventionPlan> {}
