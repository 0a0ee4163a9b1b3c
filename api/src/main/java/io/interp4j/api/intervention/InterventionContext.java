package io.interp4j.api.intervention;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.Model;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an intervention plan may use: the model it will run on, other named models (for cross-model
 * patching), named prompt sets, the target prompt, and probes run through the registry.
 *
 * @param model the model the interventions will run on
 * @param models other models by name
 * @param promptSets prompt sets by name
 * @param target the prompt the interventions are resolved for
 * @param probes runs a probe plugin by id with settings
 * @since 0.1
 */
@Stable
public record InterventionContext(
        Model model, Map<String, Model> models, Map<String, List<int[]>> promptSets, Target target, ProbeRunner probes) {

    /**
     * The prompt an intervention is resolved for.
     *
     * @param set the prompt set's name
     * @param index the prompt's index in the set
     * @param tokens the prompt's token ids
     */
    public record Target(String set, int index, int[] tokens) {
        /** Checks and copies the tokens. */
        public Target {
            requireNonNull(set, "set is null");
            tokens = requireNonNull(tokens, "tokens is null").clone();
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }
    }

    /** Runs a probe plugin by id; the app implements it with the plugin registry. */
    @FunctionalInterface
    public interface ProbeRunner {
        /**
         * Runs a probe.
         *
         * @param id the probe id
         * @param settings the user's settings for it (resolved against its reference.conf)
         * @param context the model and prompt sets
         * @return the result
         */
        ProbeResult run(String id, Config settings, ProbeContext context);
    }

    /** Copies the maps. */
    public InterventionContext {
        requireNonNull(model, "model is null");
        models = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(models, "models is null")));
        promptSets = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(promptSets, "promptSets is null")));
        requireNonNull(target, "target is null");
        requireNonNull(probes, "probes is null");
    }

    /**
     * Returns a named model, where {@code "self"} is the model the interventions run on.
     *
     * @param name the name
     * @return the model
     */
    public Model model(String name) {
        if (name.equals("self")) {
            return model;
        }
        Model other = models.get(name);
        if (other == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; known: self, " + models.keySet());
        }
        return other;
    }

    /**
     * Returns a prompt set or fails naming it and the sets that exist.
     *
     * @param name the set
     * @return its prompts
     */
    public List<int[]> prompts(String name) {
        return probeContext(model).prompts(name);
    }

    /**
     * Returns a probe context over a model and this context's prompt sets.
     *
     * @param on the model
     * @return the probe context
     */
    public ProbeContext probeContext(Model on) {
        return ProbeContext.of(on, promptSets);
    }
}
