package io.interp4j.experiments.atlas.skip;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Problem;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The layer sets the row skips: the setting {@code configs}, either {@code seed} or a list of layer
 * lists. {@code seed} is the original study's ten 0.5B configs, kept at their absolute layers (as its
 * 1.5B run kept "skip L4–8") on models deep enough to hold them all (17+ layers), and rescaled to the
 * depth on shallower ones: layer l of the 24-layer original becomes floor(l × layers / 24), duplicate
 * layers within a config and duplicate configs dropped.
 */
final class SkipConfigs {
    /** The original study's configs for Qwen2.5-0.5B (24 layers). */
    static final List<int[]> SEED = List.of(
            new int[] {15}, new int[] {4}, new int[] {8}, new int[] {4, 5, 6, 7, 8}, new int[] {4, 5, 6, 7, 8, 15},
            new int[] {3, 4, 5}, new int[] {10, 11, 12}, new int[] {14, 15, 16}, new int[] {4, 5, 8, 11, 15, 16},
            new int[] {4, 5, 8, 10, 11, 14, 15, 16});
    /** The depth of the model the seed configs were written for. */
    static final int SEED_LAYERS = 24;
    /** The shallowest model that holds every seed config at its absolute layers. */
    static final int SEED_MIN_LAYERS = 17;

    private SkipConfigs() {}

    /**
     * Reads {@code configs}.
     *
     * @param config the step's resolved settings
     * @param settings where problems are recorded
     * @return the explicit configs, empty for {@code seed}, or null after recording a problem
     */
    static List<int[]> read(Config config, StepSettings settings) {
        ConfigValue value = config.hasPath("configs") ? config.getValue("configs") : null;
        if (value != null && value.valueType() == ConfigValueType.STRING && "seed".equals(value.unwrapped())) {
            return List.of();
        }
        String allowed = "; allowed: seed, or a non-empty list of non-empty lists of distinct layers >= 0, like [[15], [4, 5, 6, 7, 8]]";
        if (value == null || value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            settings.problem("configs", "found " + StepSettings.render(value) + allowed);
            return null;
        }
        List<int[]> out = new ArrayList<>();
        boolean ok = true;
        List<?> list = (List<?>) value.unwrapped();
        for (int i = 0; i < list.size(); i++) {
            int[] layers = layers(list.get(i));
            if (layers == null) {
                settings.problem("configs[" + i + "]", "found " + StepSettings.render(config.getList("configs").get(i)) + allowed);
                ok = false;
            } else {
                out.add(layers);
            }
        }
        return ok ? List.copyOf(out) : null;
    }

    private static int[] layers(Object element) {
        if (!(element instanceof List<?> list) || list.isEmpty()) {
            return null;
        }
        Set<Integer> seen = new LinkedHashSet<>();
        for (Object o : list) {
            if (!(o instanceof Integer n) || n < 0 || !seen.add(n)) {
                return null;
            }
        }
        return seen.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Returns the configs of a model.
     *
     * @param explicit the configs written, empty for {@code seed}
     * @param layers the model's depth
     * @return the configs, each sorted
     */
    static List<int[]> resolve(List<int[]> explicit, int layers) {
        if (!explicit.isEmpty()) {
            return explicit.stream().map(c -> Arrays.stream(c).sorted().toArray()).toList();
        }
        if (layers >= SEED_MIN_LAYERS) {
            return SEED;
        }
        List<int[]> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int[] config : SEED) {
            int[] scaled = Arrays.stream(config).map(l -> l * layers / SEED_LAYERS).distinct().sorted().toArray();
            if (seen.add(Arrays.toString(scaled))) {
                out.add(scaled);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Names a config, runs of consecutive layers as ranges.
     *
     * @param layers the sorted layers
     * @return e.g. {@code L4-8,15}
     */
    static String label(int[] layers) {
        StringBuilder out = new StringBuilder("L");
        int i = 0;
        while (i < layers.length) {
            int j = i;
            while (j + 1 < layers.length && layers[j + 1] == layers[j] + 1) {
                j++;
            }
            out.append(i == 0 ? "" : ",").append(layers[i]);
            if (j > i) {
                out.append('-').append(layers[j]);
            }
            i = j + 1;
        }
        return out.toString();
    }

    /**
     * Checks explicit configs against a model's depth.
     *
     * @param explicit the configs written, empty for {@code seed}
     * @param model the model's name
     * @param layers its depth
     * @param root the step's settings path
     * @return problems with full config paths
     */
    static List<Problem> check(List<int[]> explicit, String model, int layers, String root) {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < explicit.size(); i++) {
            Set<Integer> out = new TreeSet<>();
            for (int layer : explicit.get(i)) {
                if (layer >= layers) {
                    out.add(layer);
                }
            }
            if (!out.isEmpty()) {
                problems.add(new Problem(root + ".configs[" + i + "]", "layer" + (out.size() > 1 ? "s " : " ") + out.toString().replaceAll("[\\[\\]]", "")
                        + (out.size() > 1 ? " are" : " is") + " out of range; model '" + model + "' has layers 0.." + (layers - 1)));
            }
        }
        return problems;
    }
}
