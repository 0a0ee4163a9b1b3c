package io.interp4j.api.plugin;

import io.interp4j.api.Stable;

/**
 * The kinds of plugin, each with its SPI and its settings namespace {@code interp4j.<kind>.<id>}.
 *
 * @since 0.1
 */
@Stable
public enum PluginKind {
    /** Inference backends ({@link io.interp4j.api.model.EngineProvider}). */
    ENGINE("engine"),
    /** Read-only measurements over prompts ({@link io.interp4j.api.probe.ProbeFactory}). */
    PROBE("probe"),
    /** Writes into the forward pass ({@link io.interp4j.api.intervention.InterventionFactory}). */
    INTERVENTION("intervention"),
    /** Numbers computed from observations ({@link io.interp4j.api.metric.MetricFactory}). */
    METRIC("metric"),
    /** Study steps ({@link io.interp4j.api.experiment.ExperimentFactory}). */
    EXPERIMENT("experiment");

    private final String configName;

    PluginKind(String configName) {
        this.configName = configName;
    }

    /**
     * Returns the name used in config paths and listings.
     *
     * @return e.g. {@code metric}
     */
    public String configName() {
        return configName;
    }

    /**
     * Returns the config path of a plugin's settings.
     *
     * @param id the plugin id
     * @return {@code interp4j.<kind>.<id>}, with the id quoted so dashes are kept
     */
    public String settingsPath(String id) {
        return "interp4j." + configName + ".\"" + id + "\"";
    }

    /**
     * Returns the path problems with a plugin's settings are reported at ({@link io.interp4j.api.Problem#path}),
     * as a user reads it.
     *
     * @param id the plugin id
     * @return {@code interp4j.<kind>.<id>}, unquoted
     * @since 0.3
     */
    public String problemPath(String id) {
        return "interp4j." + configName + "." + id;
    }
}
