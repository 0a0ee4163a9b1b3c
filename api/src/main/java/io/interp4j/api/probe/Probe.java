package io.interp4j.api.probe;

import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import io.interp4j.api.model.ModelConfig;
import java.util.List;

/**
 * A configured probe.
 *
 * @since 0.1
 */
@Stable
public interface Probe {
    /**
     * Runs the probe.
     *
     * @param context the model and prompt sets
     * @return named tensors and table rows
     */
    ProbeResult run(ProbeContext context);

    /**
     * States what the probe measures, for reports.
     *
     * @return e.g. {@code mean and standard deviation over 12 prompts × all positions at blocks.2.hook_resid_post}
     */
    String describe();

    /**
     * Checks the probe's settings against a model before anything runs (e.g. a {@code top-k} larger
     * than the vocabulary, a layer the model does not have), so that a study finds it before any step
     * runs. Loads nothing.
     *
     * @param model the model the probe will run on
     * @return every problem, each at its setting's config path under {@code interp4j.probe.<id>} ({@link
     *     io.interp4j.api.plugin.PluginKind#problemPath}; the caller moves it to where the user wrote the
     *     settings); empty if none
     * @since 0.3
     */
    default List<Problem> checkAgainst(ModelConfig model) {
        return List.of();
    }
}
