package io.interp4j.experiments.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an experiment's resolved settings: the readers every plugin kind shares ({@link SettingsReader})
 * and an experiment's own, references to other plugins ({@code { id = ..., settings = { ... } }}). Problems
 * are at {@code interp4j.experiment.<id>.<key>}, which the study moves under the step's own path.
 */
public final class StepSettings extends SettingsReader {
    /**
     * Reads the settings of one experiment.
     *
     * @param id the experiment id
     * @param config its resolved settings
     */
    public StepSettings(String id, Config config) {
        super(PluginKind.EXPERIMENT, id, config);
    }

    private StepSettings(StepSettings parent, String keyPrefix, Config config) {
        super(parent, keyPrefix, config);
    }

    @Override
    public StepSettings nested(String keyPrefix, Config settings) {
        return new StepSettings(this, keyPrefix, settings);
    }

    /**
     * Reads a plugin reference {@code { id = ..., settings = { ... } }}.
     *
     * @param key the key
     * @return the reference, or null after recording a problem
     */
    public PluginRef plugin(String key) {
        Config object = objectOrEmpty(key);
        return object == null ? null : plugin(object, key, Set.of("id", "settings"));
    }

    /**
     * Reads a non-empty list of plugin references {@code { id, settings, name }}; names (the ids by
     * default) must be distinct, as they name table columns.
     *
     * @param key the key
     * @return the well-formed references (the others are recorded as problems), or null when the
     *     value is not a non-empty list
     */
    public List<PluginRef> plugins(String key) {
        ConfigValue value = value(key);
        if (value == null || value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            problem(key, render(value), "a non-empty list of objects { id = ..., settings = { ... } }");
            return null;
        }
        List<PluginRef> refs = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        List<? extends ConfigValue> elements = config().getList(key);
        for (int i = 0; i < elements.size(); i++) {
            String where = key + "[" + i + "]";
            ConfigValue element = elements.get(i);
            if (element.valueType() != ConfigValueType.OBJECT) {
                problem(where, render(element), "an object { id = ..., settings = { ... } }");
                continue;
            }
            PluginRef ref = plugin(((ConfigObject) element).toConfig(), where, Set.of("id", "settings", "name"));
            if (ref != null && !names.add(ref.name())) {
                problem(where + ".name", "'" + ref.name() + "' names an earlier entry too; give each entry a distinct name");
            } else if (ref != null) {
                refs.add(ref);
            }
        }
        return List.copyOf(refs);
    }

    private PluginRef plugin(Config object, String where, Set<String> keys) {
        boolean ok = true;
        for (String key : object.root().keySet()) {
            if (!keys.contains(key)) {
                problem(where + "." + key, "unknown key; allowed: " + new TreeSet<>(keys));
                ok = false;
            }
        }
        SettingsReader in = nested(where + ".", object);
        String pluginId = in.text("id");
        Config settings = in.objectOrEmpty("settings");
        String name = pluginId;
        if (keys.contains("name") && object.hasPath("name")) {
            name = in.text("name");
        }
        if (!ok || pluginId == null || settings == null || name == null) {
            return null;
        }
        return new PluginRef(pluginId, settings, name, where);
    }
}
