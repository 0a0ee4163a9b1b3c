package io.interp4j.experiments.sweep;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One swept intervention setting: its key (a path into the intervention's settings, like {@code layer}
 * or {@code vector.norm}) and its values, given as a list or, for {@code layer}, {@code layers} and
 * {@code heads}, as {@code all}.
 *
 * @param name the key as written, dotted, e.g. {@code vector.norm}
 * @param path the same key as a config path expression, for {@link Config#withValue}
 * @param values the list, or the string {@code all}
 */
record Axis(String name, String path, ConfigValue values) {
    /** The value meaning every layer (or every head) of the model, each separately. */
    static final String ALL = "all";

    /** Checks the fields. */
    Axis {
        requireNonNull(name, "name is null");
        requireNonNull(path, "path is null");
        requireNonNull(values, "values is null");
    }

    /**
     * Reads the {@code sweep} object: each leaf is an axis; nested objects give dotted keys.
     *
     * @param settings the step's settings; problems are recorded there
     * @param sweep the object
     * @return the axes in alphabetical order of their keys, or null after recording a problem
     */
    static List<Axis> read(StepSettings settings, Config sweep) {
        List<Axis> axes = new ArrayList<>();
        boolean ok = collect(settings, sweep.root(), List.of(), axes);
        axes.sort(Comparator.comparing(Axis::name));
        return ok ? List.copyOf(axes) : null;
    }

    private static boolean collect(StepSettings settings, ConfigObject object, List<String> parent, List<Axis> out) {
        boolean ok = true;
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            List<String> keys = new ArrayList<>(parent);
            keys.add(e.getKey());
            String name = String.join(".", keys);
            ConfigValue value = e.getValue();
            if (value.valueType() == ConfigValueType.OBJECT) {
                ok &= collect(settings, (ConfigObject) value, keys, out);
                continue;
            }
            boolean list = value.valueType() == ConfigValueType.LIST && !((List<?>) value.unwrapped()).isEmpty();
            boolean all = value.valueType() == ConfigValueType.STRING && ALL.equals(value.unwrapped()) && allowsAll(e.getKey());
            if (!list && !all) {
                settings.problem("sweep." + name, "found " + StepSettings.render(value) + "; allowed: a non-empty list of values"
                        + (allowsAll(e.getKey()) ? ", or all (every " + (e.getKey().equals("heads") ? "head" : "layer")
                        + " of the model, each separately)" : ""));
                ok = false;
                continue;
            }
            out.add(new Axis(name, ConfigUtil.joinPath(keys), value));
        }
        return ok;
    }

    private static boolean allowsAll(String key) {
        return key.equals("layer") || key.equals("layers") || key.equals("heads");
    }

    /**
     * Returns the last part of the key, which names the setting (e.g. {@code layer}).
     *
     * @return the setting's name
     */
    String setting() {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /**
     * Returns whether the values are {@code all} and need the model to be listed.
     *
     * @return true for {@code all}
     */
    boolean needsModel() {
        return values.valueType() == ConfigValueType.STRING;
    }

    /**
     * Lists the values: {@code all} becomes every layer {@code 0..n-1} for {@code layer}, every
     * one-layer list {@code [L]} for {@code layers}, every one-head list {@code [h]} (query heads) for
     * {@code heads}.
     *
     * @param config the model's architecture
     * @return the values in order
     */
    List<ConfigValue> list(ModelConfig config) {
        if (!needsModel()) {
            return List.copyOf(((com.typesafe.config.ConfigList) values));
        }
        int count = setting().equals("heads") ? config.numHeads() : config.numLayers();
        boolean single = setting().equals("layer");
        return IntStream.range(0, count)
                .mapToObj(i -> single ? ConfigValueFactory.fromAnyRef(i) : ConfigValueFactory.fromIterable(List.of(i)))
                .map(ConfigValue.class::cast)
                .toList();
    }

    /**
     * Describes the values for a plan's description.
     *
     * @return e.g. {@code layer = all} or {@code scale = [-4,0,4]}
     */
    String describe() {
        return name + " = " + StepSettings.render(values);
    }
}
