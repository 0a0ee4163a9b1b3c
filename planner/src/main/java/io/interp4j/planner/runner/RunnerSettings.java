package io.interp4j.planner.runner;

import static java.util.Objects.requireNonNull;

import io.interp4j.planner.PlannerOptions;
import java.util.Map;

/**
 * What a runner is opened with.
 *
 * @param options the runner's own options from the command line (e.g. {@code master}); the runner
 *     rejects keys it does not know
 * @param models the study's models by name (variants are resolved from them with {@link
 *     io.interp4j.api.plan.ModelRef})
 * @param planner the bounds of the planner each worker runs
 */
public record RunnerSettings(Map<String, String> options, Map<String, ModelSource> models, PlannerOptions planner) {
    /** Validates the settings and takes copies. */
    public RunnerSettings {
        options = Map.copyOf(requireNonNull(options, "options is null"));
        models = Map.copyOf(requireNonNull(models, "models is null"));
        requireNonNull(planner, "planner is null");
    }
}
