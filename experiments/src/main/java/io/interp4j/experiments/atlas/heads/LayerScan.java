package io.interp4j.experiments.atlas.heads;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The layers a published head scan covers: every layer ({@code all}), the first N ({@code 6}: layers
 * 0..5, clipped to the model, as the seed's 1.5B scan), or a list of layers ({@code [2, 7, 8, 13, 21,
 * 22]}, the seed's 0.5B slice scan).
 *
 * @param first the count N of a scan of layers 0..N-1, or 0
 * @param listed the listed layers, ascending and distinct, or empty
 */
record LayerScan(int first, List<Integer> listed) {
    static final LayerScan ALL = new LayerScan(Integer.MAX_VALUE, List.of());

    LayerScan {
        listed = List.copyOf(listed);
    }

    /**
     * Reads the setting.
     *
     * @param settings where problems are recorded
     * @param key the key
     * @return the scan, or null after recording a problem
     */
    static LayerScan read(StepSettings settings, String key) {
        ConfigValue value = settings.config().hasPath(key) ? settings.config().getValue(key) : null;
        Object raw = value == null ? null : value.unwrapped();
        if (raw instanceof String s && s.trim().equals("all")) {
            return ALL;
        }
        if (raw instanceof Integer n && n >= 1) {
            return new LayerScan(n, List.of());
        }
        if (value != null && value.valueType() == ConfigValueType.LIST && raw instanceof List<?> items && !items.isEmpty()
                && items.stream().allMatch(i -> i instanceof Integer n && n >= 0)) {
            List<Integer> layers = new ArrayList<>();
            for (Object item : items) {
                if (!layers.isEmpty() && (Integer) item <= layers.get(layers.size() - 1)) {
                    layers = null;
                    break;
                }
                layers.add((Integer) item);
            }
            if (layers != null) {
                return new LayerScan(0, layers);
            }
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: all (every layer), an integer N >= 1 (layers"
                + " 0..N-1, clipped to the model's layer count), or a non-empty ascending list of distinct layer indices >= 0");
        return null;
    }

    /**
     * Returns the scanned layers of a model.
     *
     * @param layers the model's layer count
     * @return ascending layer indices
     */
    int[] layers(int layers) {
        if (listed.isEmpty()) {
            return IntStream.range(0, Math.min(first, layers)).toArray();
        }
        return listed.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Returns whether the scan covers a layer.
     *
     * @param layer the layer
     * @return true when scanned
     */
    boolean covers(int layer) {
        return listed.isEmpty() ? layer < first : listed.contains(layer);
    }

    /**
     * Returns a problem when a listed layer is outside a model.
     *
     * @param layers the model's layer count
     * @return the first listed layer >= layers, if any
     */
    Optional<Integer> outside(int layers) {
        return listed.stream().filter(l -> l >= layers).findFirst();
    }

    /**
     * Describes the scan.
     *
     * @return e.g. {@code every layer}, {@code layers 0..5}, {@code layers [2, 7]}
     */
    String describe() {
        if (listed.isEmpty()) {
            return first == Integer.MAX_VALUE ? "every layer" : "layers 0.." + (first - 1);
        }
        return "layers " + listed;
    }
}
