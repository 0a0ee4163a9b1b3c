package io.interp4j.api.probe;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.Model;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a probe reads: a model (absent for probes that only read files) and named prompt sets, each a
 * list of token-id sequences.
 *
 * @param model the model, if any
 * @param promptSets prompt sets by name
 * @since 0.1
 */
@Stable
public record ProbeContext(Optional<Model> model, Map<String, List<int[]>> promptSets) {
    /** Copies the prompt sets. */
    public ProbeContext {
        requireNonNull(model, "model is null");
        promptSets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(promptSets, "promptSets is null")));
    }

    /**
     * Creates a context with one model.
     *
     * @param model the model
     * @param promptSets prompt sets by name
     * @return the context
     */
    public static ProbeContext of(Model model, Map<String, List<int[]>> promptSets) {
        return new ProbeContext(Optional.of(model), promptSets);
    }

    /**
     * Returns the model or fails naming the probe.
     *
     * @param probe the probe id, for the message
     * @return the model
     */
    public Model requireModel(String probe) {
        return model.orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, "probe '" + probe + "' needs a model"));
    }

    /**
     * Returns a prompt set or fails naming it and the sets that exist.
     *
     * @param name the set name
     * @return its prompts
     */
    public List<int[]> prompts(String name) {
        List<int[]> prompts = promptSets.get(name);
        if (prompts == null || prompts.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "prompt set '" + name + "' is "
                    + (prompts == null ? "unknown" : "empty") + "; known sets: " + promptSets.keySet());
        }
        return prompts;
    }
}
