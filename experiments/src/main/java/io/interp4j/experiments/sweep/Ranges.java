package io.interp4j.experiments.sweep;

import com.typesafe.config.ConfigValue;
import io.interp4j.api.model.ModelConfig;
import java.util.List;
import java.util.Optional;

/**
 * Checks the intervention settings that name blocks and heads against the model before anything runs
 * (the plugins check them only when a plan is resolved). Values of other types are left to the plugin.
 */
final class Ranges {
    /** The checked keys: {@code layer} (an integer), {@code layers} and {@code heads} (lists of integers). */
    static final List<String> KEYS = List.of("layer", "layers", "heads");

    private Ranges() {}

    /**
     * Checks one value.
     *
     * @param key one of {@link #KEYS}
     * @param value its value
     * @param config the model
     * @param model the model's name, for the message
     * @return the problem, if a block or head is out of range
     */
    static Optional<String> check(String key, ConfigValue value, ModelConfig config, String model) {
        Object unwrapped = value.unwrapped();
        List<?> items = unwrapped instanceof List<?> list ? list : List.of();
        if (key.equals("layer")) {
            items = unwrapped instanceof Number ? List.of(unwrapped) : List.of();
        }
        boolean heads = key.equals("heads");
        int count = heads ? config.numHeads() : config.numLayers();
        for (Object item : items) {
            if (item instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && (n.doubleValue() < 0 || n.doubleValue() >= count)) {
                return Optional.of((heads ? "head " : "layer ") + n.longValue() + " is out of range; model '" + model + "' has "
                        + (heads ? "query heads 0.." : "layers 0..") + (count - 1));
            }
        }
        return Optional.empty();
    }
}
