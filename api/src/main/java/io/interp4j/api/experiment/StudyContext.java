package io.interp4j.api.experiment;

import com.typesafe.config.Config;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.task.TaskSuite;
import java.util.List;
import java.util.Set;

/**
 * What a step sees of its study: named models (configs before loading, models on first use), named
 * task suites, the other plugins, the seed, and the config path of the step for messages.
 *
 * @since 0.1
 */
@Stable
public interface StudyContext {
    /**
     * Returns the config path of this step's settings, for messages.
     *
     * @return e.g. {@code study.steps[2].settings}
     */
    String path();

    /**
     * Returns the study's model names.
     *
     * @return the names
     */
    Set<String> modelNames();

    /**
     * Returns a model's architecture without loading it.
     *
     * @param name the model's name in the study
     * @return the config
     */
    ModelConfig modelConfig(String name);

    /**
     * Returns a model, loading it on first use; the study closes it.
     *
     * @param name the model's name in the study
     * @return the model
     */
    Model model(String name);

    /**
     * Returns the study's suite names.
     *
     * @return the names
     */
    Set<String> suiteNames();

    /**
     * Returns a task suite.
     *
     * @param name the suite's name in the study
     * @return the suite
     */
    TaskSuite suite(String name);

    /**
     * Checks a plugin's id and settings without creating it.
     *
     * @param kind the kind
     * @param id the id
     * @param settings the user's settings for it
     * @param path the config path of those settings, for messages
     * @return problems, empty if none
     */
    List<String> checkPlugin(PluginKind kind, String id, Config settings, String path);

    /**
     * Creates a probe.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the probe
     */
    Probe probe(String id, Config settings);

    /**
     * Creates an intervention plan.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the plan
     */
    InterventionPlan intervention(String id, Config settings);

    /**
     * Creates a metric.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the metric
     */
    Metric metric(String id, Config settings);

    /**
     * Returns a probe runner backed by the study's plugins, for intervention contexts.
     *
     * @return the runner
     */
    InterventionContext.ProbeRunner probes();

    /**
     * Returns the study's seed.
     *
     * @return the seed
     */
    long seed();
}
