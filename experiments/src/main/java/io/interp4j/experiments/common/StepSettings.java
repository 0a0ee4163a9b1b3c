package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.plugin.PluginKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an experiment's resolved settings for what their reference cannot say (non-empty strings,
 * free-form objects given as {@code null} defaults, the shape of plugin references). {@link
 * io.interp4j.api.plugin.PluginSettings} has already rejected unknown keys and wrong types. Getters
 * record problems instead of throwing; {@link #check()} throws them all at once, each naming {@code
 * interp4j.experiment.<id>.<key>}, which the study rewrites to the step's own path.
 */
public final class StepSettings {
    private static final ConfigRenderOptions CONCISE = ConfigRenderOptions.concise();

    private final String id;
    private final String prefix;
    private final Config config;
    private final List<Problem> problems;

    /**
     * Reads the settings of one experiment.
     *
     * @param id the experiment id
     * @param config its resolved settings
     */
    public StepSettings(String id, Config config) {
        this(id, "", config, new ArrayList<>());
    }

    private StepSettings(String id, String prefix, Config config, List<Problem> problems) {
        this.id = requireNonNull(id, "id is null");
        this.prefix = prefix;
        this.config = requireNonNull(config, "config is null");
        this.problems = problems;
    }

    /**
     * Returns a reader of other settings of the same step, e.g. one model's overrides, whose problems
     * are recorded here with keys under {@code prefix}.
     *
     * @param keyPrefix e.g. {@code per-model.large.}
     * @param settings the settings it reads
     * @return the reader
     */
    public StepSettings nested(String keyPrefix, Config settings) {
        return new StepSettings(id, prefix + keyPrefix, settings, problems);
    }

    /**
     * Returns the settings this reader reads.
     *
     * @return the resolved settings
     */
    public Config config() {
        return config;
    }

    /**
     * Returns the full config path of a key, for messages.
     *
     * @param key e.g. {@code intervention.id}
     * @return e.g. {@code interp4j.experiment.sweep.intervention.id}
     */
    public String path(String key) {
        return "interp4j." + PluginKind.EXPERIMENT.configName() + "." + id + "." + prefix + key;
    }

    /**
     * Records a problem.
     *
     * @param key the key, relative to the settings
     * @param message what was found and what is allowed
     */
    public void problem(String key, String message) {
        problems.add(new Problem(path(key), message));
    }

    /**
     * Reads a non-blank string.
     *
     * @param key the key
     * @return the trimmed string, or null after recording a problem
     */
    public String text(String key) {
        return text(config, key, key);
    }

    private String text(Config in, String key, String where) {
        ConfigValue value = in.hasPath(key) ? in.getValue(key) : null;
        if (value != null && value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).isBlank()) {
            return ((String) value.unwrapped()).trim();
        }
        problem(where, "found " + render(value) + "; allowed: a non-empty string");
        return null;
    }

    /**
     * Reads an object that the reference leaves {@code null} because its keys are free (the settings
     * of another plugin, the sweep's axes).
     *
     * @param key the key
     * @return the object, empty for null, or null after recording a problem
     */
    public Config objectOrEmpty(String key) {
        return objectOrEmpty(config, key, key);
    }

    private Config objectOrEmpty(Config in, String key, String where) {
        if (!in.hasPath(key)) {
            return ConfigFactory.empty();
        }
        ConfigValue value = in.getValue(key);
        if (value.valueType() == ConfigValueType.OBJECT) {
            // rebuilt from its values: an object merged over the reference's null carries Typesafe's
            // "ignores fallbacks" mark, and the plugin's own defaults could never be merged under it
            return ConfigValueFactory.fromMap(((ConfigObject) value).unwrapped()).toConfig();
        }
        problem(where, "found " + render(value) + "; allowed: an object { ... } or null");
        return null;
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
        ConfigValue value = config.hasPath(key) ? config.getValue(key) : null;
        if (value == null || value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            problem(key, "found " + render(value) + "; allowed: a non-empty list of objects { id = ..., settings = { ... } }");
            return null;
        }
        List<PluginRef> refs = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        List<? extends ConfigValue> elements = config.getList(key);
        for (int i = 0; i < elements.size(); i++) {
            String where = key + "[" + i + "]";
            ConfigValue element = elements.get(i);
            if (element.valueType() != ConfigValueType.OBJECT) {
                problem(where, "found " + render(element) + "; allowed: an object { id = ..., settings = { ... } }");
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
        String pluginId = text(object, "id", where + ".id");
        Config settings = objectOrEmpty(object, "settings", where + ".settings");
        String name = pluginId;
        if (keys.contains("name") && object.hasPath("name")) {
            name = text(object, "name", where + ".name");
        }
        if (!ok || pluginId == null || settings == null || name == null) {
            return null;
        }
        return new PluginRef(pluginId, settings, name, where);
    }

    /**
     * Throws every recorded problem at once.
     *
     * @throws Interp4jException with code {@link ErrorCode#INVALID_ARGUMENT}, one problem per line
     */
    public void check() {
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
    }

    /**
     * Renders a value for messages.
     *
     * @param value the value, or null when absent
     * @return HOCON, {@code null} or {@code nothing}
     */
    public static String render(ConfigValue value) {
        return value == null ? "nothing" : value.render(CONCISE);
    }
}
