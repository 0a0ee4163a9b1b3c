package io.interp4j.interventions.common;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.model.Model;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Remembers the last value a plan computed from a model (a mean activation, a steering direction), so
 * resolving the plan for every prompt of a set computes it once. Keyed by the model instance and by
 * the inputs the value depends on; one entry, so a sweep over models does not grow memory.
 *
 * @param <V> the value
 */
public final class ModelMemo<V> {
    private Model model;
    private Object key;
    private V value;

    /**
     * Returns the remembered value for a model and key, or computes and remembers it.
     *
     * @param on the model
     * @param inputs what the value depends on besides the model, compared with {@code equals}
     * @param compute computes the value
     * @return the value
     */
    public synchronized V get(Model on, Object inputs, Supplier<V> compute) {
        requireNonNull(on, "on is null");
        requireNonNull(inputs, "inputs is null");
        if (on != model || !inputs.equals(key)) {
            V computed = requireNonNull(compute.get(), "computed value is null");
            model = on;
            key = inputs;
            value = computed;
        }
        return value;
    }

    /**
     * Returns a comparable fingerprint of prompt sets (token arrays compare by identity otherwise).
     *
     * @param sets prompt sets by name
     * @return the sets' names and token ids
     */
    public static Map<String, List<String>> fingerprint(Map<String, List<int[]>> sets) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        sets.forEach((name, prompts) -> out.put(name, fingerprint(prompts)));
        return out;
    }

    /**
     * Returns a comparable fingerprint of prompts.
     *
     * @param prompts token sequences
     * @return their token ids
     */
    public static List<String> fingerprint(List<int[]> prompts) {
        return prompts.stream().map(Arrays::toString).toList();
    }
}
