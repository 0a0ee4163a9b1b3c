package io.interp4j.api.plugin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.Positions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoublePredicate;

/**
 * Reads a plugin's resolved settings for what their {@code reference.conf} cannot say: ranges, allowed
 * words, keys that may be null, free-form objects. {@link PluginSettings#resolve} has already rejected
 * unknown keys and values of a type the reference cannot convert. Every getter records a {@link
 * Problem} instead of throwing (at {@code interp4j.<kind>.<id>.<key>}, saying what was found and what
 * is allowed) and returns {@code null}; {@link #check()} then throws them all at once. One reader
 * serves every plugin kind; a kind adds only the readers of its own values (a probe's hook sites, an
 * experiment's references to other plugins).
 *
 * @since 0.3
 */
@Stable
public class SettingsReader {
    private static final ConfigRenderOptions CONCISE = ConfigRenderOptions.concise();

    private final String root;
    private final String prefix;
    private final Config config;
    private final List<Problem> problems;

    /**
     * Reads the settings of a plugin.
     *
     * @param kind the plugin's kind
     * @param id the plugin's id
     * @param config its resolved settings object
     */
    public SettingsReader(PluginKind kind, String id, Config config) {
        this(kind.problemPath(requireNonNull(id, "id is null")), "", config, new ArrayList<>());
    }

    /**
     * Reads more settings of the same plugin into the same problems (see {@link #nested}).
     *
     * @param parent the reader whose problems these are
     * @param keyPrefix the keys' prefix, e.g. {@code per-model.large.}
     * @param config the settings read
     */
    protected SettingsReader(SettingsReader parent, String keyPrefix, Config config) {
        this(parent.root, parent.prefix + requireNonNull(keyPrefix, "keyPrefix is null"), config, parent.problems);
    }

    private SettingsReader(String root, String prefix, Config config, List<Problem> problems) {
        this.root = root;
        this.prefix = prefix;
        this.config = requireNonNull(config, "config is null");
        this.problems = problems;
    }

    /**
     * Returns a reader of other settings of the same plugin, e.g. one model's overrides, whose problems
     * are recorded here, at keys under {@code keyPrefix}.
     *
     * @param keyPrefix e.g. {@code per-model.large.}
     * @param settings the settings it reads
     * @return the reader
     */
    public SettingsReader nested(String keyPrefix, Config settings) {
        return new SettingsReader(this, keyPrefix, settings);
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
     * Returns the full config path of a key, as problems name it.
     *
     * @param key a key relative to the settings, e.g. {@code vector.from}
     * @return e.g. {@code interp4j.intervention.steering.vector.from}
     */
    public String path(String key) {
        return root + "." + prefix + key;
    }

    /**
     * Records a problem with a key.
     *
     * @param key the key
     * @param message what was found and what is allowed
     */
    public void problem(String key, String message) {
        problems.add(new Problem(path(key), message));
    }

    /**
     * Records a value that is not allowed.
     *
     * @param key the key
     * @param found what was found, rendered
     * @param allowed what is allowed
     */
    public void problem(String key, String found, String allowed) {
        problems.add(Problem.found(path(key), found, allowed));
    }

    /**
     * Records that a key's value is not allowed, rendering what it holds.
     *
     * @param key the key
     * @param allowed what is allowed
     */
    public void invalid(String key, String allowed) {
        problem(key, render(key), allowed);
    }

    /**
     * Records problems found elsewhere (e.g. by a value's own parser), as they are.
     *
     * @param found the problems
     */
    public void problems(List<Problem> found) {
        problems.addAll(found);
    }

    /**
     * Returns the problems recorded so far.
     *
     * @return the problems, in order
     */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /**
     * Throws every recorded problem at once.
     *
     * @throws Interp4jException carrying the problems ({@link Interp4jException#problems()})
     */
    public void check() {
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
    }

    /**
     * Renders a key's value as HOCON, for messages.
     *
     * @param key the key
     * @return e.g. {@code "layer-output"}, {@code [1,2]}, {@code null} or {@code nothing}
     */
    public String render(String key) {
        if (!config.hasPathOrNull(key)) {
            return "nothing";
        }
        return config.getIsNull(key) ? "null" : config.getValue(key).render(CONCISE);
    }

    /**
     * Renders a value for messages.
     *
     * @param value the value, or null when absent
     * @return HOCON, or {@code nothing}
     */
    public static String render(ConfigValue value) {
        return value == null ? "nothing" : value.render(CONCISE);
    }

    /**
     * Returns whether a key is absent or null.
     *
     * @param key the key
     * @return true if absent or null
     */
    public boolean isNull(String key) {
        return !config.hasPath(key);
    }

    /**
     * Returns a key's value.
     *
     * @param key the key
     * @return the value, or null when absent or null
     */
    public ConfigValue value(String key) {
        return config.hasPath(key) ? config.getValue(key) : null;
    }

    /**
     * Reads a non-blank string.
     *
     * @param key the key
     * @return the trimmed string, or null after recording a problem
     */
    public String text(String key) {
        ConfigValue value = value(key);
        if (value != null && value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).isBlank()) {
            return ((String) value.unwrapped()).trim();
        }
        invalid(key, "a non-empty string");
        return null;
    }

    /**
     * Reads a non-blank string or null.
     *
     * @param key the key
     * @return the string, or null when the key is null or after recording a problem
     */
    public String optionalText(String key) {
        return isNull(key) ? null : text(key);
    }

    /**
     * Reads one of a few words.
     *
     * @param key the key
     * @param allowed the words
     * @return the word, or null after recording a problem
     */
    public String choice(String key, List<String> allowed) {
        ConfigValue value = value(key);
        if (value != null && value.valueType() == ConfigValueType.STRING && allowed.contains(value.unwrapped())) {
            return (String) value.unwrapped();
        }
        invalid(key, String.join(", ", allowed));
        return null;
    }

    /**
     * Reads a boolean ({@code true}, {@code false}, or a string HOCON reads as one, like {@code "yes"}).
     *
     * @param key the key
     * @return the flag, or false after recording a problem
     */
    public boolean bool(String key) {
        try {
            return config.getBoolean(key);
        } catch (ConfigException e) {
            invalid(key, "true or false");
            return false;
        }
    }

    /**
     * Reads a finite number.
     *
     * @param key the key
     * @return the number, or null after recording a problem
     */
    public Double number(String key) {
        Double number = numberOrNull(value(key));
        if (number == null || !Double.isFinite(number)) {
            invalid(key, "a finite number");
            return null;
        }
        return number;
    }

    /**
     * Reads a finite number that a predicate allows.
     *
     * @param key the key
     * @param ok which finite values are allowed
     * @param allowed the allowed values in words, for the message (e.g. {@code a number in [0, 1]})
     * @return the number, or null after recording a problem
     */
    public Double number(String key, DoublePredicate ok, String allowed) {
        Double number = numberOrNull(value(key));
        if (number == null || !Double.isFinite(number) || !ok.test(number)) {
            invalid(key, allowed);
            return null;
        }
        return number;
    }

    /**
     * Reads an integer at least {@code min}.
     *
     * @param key the key
     * @param min the smallest allowed value
     * @return the integer, or null after recording a problem
     */
    public Integer integer(String key, int min) {
        Integer n = integerOrNull(value(key));
        if (n == null || n < min) {
            invalid(key, "an integer >= " + min);
            return null;
        }
        return n;
    }

    /**
     * Reads an integer at least {@code min}, or null.
     *
     * @param key the key
     * @param min the smallest allowed value
     * @param meaningOfNull what null means, for the message
     * @return the integer, or null when the key is null or after recording a problem
     */
    public Integer optionalInteger(String key, int min, String meaningOfNull) {
        if (isNull(key)) {
            return null;
        }
        Integer n = integerOrNull(value(key));
        if (n == null || n < min) {
            invalid(key, "an integer >= " + min + ", or null (" + meaningOfNull + ")");
            return null;
        }
        return n;
    }

    /**
     * Reads one of a few words or an integer at least {@code min}.
     *
     * @param key the key
     * @param words the words
     * @param min the smallest allowed integer
     * @return a {@link String} word or an {@link Integer}, or null after recording a problem
     */
    public Object choiceOrInteger(String key, List<String> words, int min) {
        ConfigValue value = value(key);
        if (value != null && value.valueType() == ConfigValueType.STRING && words.contains(value.unwrapped())) {
            return value.unwrapped();
        }
        Integer n = value != null && value.valueType() == ConfigValueType.NUMBER ? integerOrNull(value) : null;
        if (n != null && n >= min) {
            return n;
        }
        invalid(key, String.join(", ", words) + ", or an integer >= " + min);
        return null;
    }

    /**
     * Reads a list of distinct integers at least {@code min}.
     *
     * @param key the key
     * @param min the smallest allowed element
     * @return the list (possibly empty), or null after recording a problem
     */
    public List<Integer> integers(String key, int min) {
        ConfigValue value = value(key);
        if (value != null && value.valueType() == ConfigValueType.LIST) {
            List<Integer> out = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            boolean ok = true;
            for (Object element : (List<?>) value.unwrapped()) {
                Integer n = element instanceof Number number ? integral(number) : null;
                ok &= n != null && n >= min && seen.add(n);
                out.add(n);
            }
            if (ok) {
                return List.copyOf(out);
            }
        }
        invalid(key, "a list of distinct integers >= " + min + ", like [0, 3]");
        return null;
    }

    /**
     * Reads positions: {@code all}, {@code first}, {@code last} or a list of indices.
     *
     * @param key the key
     * @return the positions, or null after recording a problem
     */
    public Positions positions(String key) {
        ConfigValue value = value(key);
        if (value != null) {
            try {
                return Positions.parse(value, path(key));
            } catch (Interp4jException e) {
                // parse names the path; an empty list fails in the Positions constructor without it
            }
        }
        invalid(key, "all, first, last, or a non-empty list of position indices like [0, -1] (negative: from the end)");
        return null;
    }

    /**
     * Reads an object that the reference leaves {@code null} because its keys are free (the settings
     * of another plugin, a sweep's axes).
     *
     * @param key the key
     * @return the object, empty for null, or null after recording a problem
     */
    public Config objectOrEmpty(String key) {
        if (isNull(key)) {
            return ConfigFactory.empty();
        }
        ConfigValue value = config.getValue(key);
        if (value.valueType() == ConfigValueType.OBJECT) {
            // rebuilt from its values: an object merged over the reference's null carries Typesafe's
            // "ignores fallbacks" mark, and a plugin's own defaults could never be merged under it
            return ConfigValueFactory.fromMap(((ConfigObject) value).unwrapped()).toConfig();
        }
        invalid(key, "an object { ... } or null");
        return null;
    }

    private static Double numberOrNull(ConfigValue value) {
        if (value == null) {
            return null;
        }
        if (value.unwrapped() instanceof Number number) {
            return number.doubleValue();
        }
        if (value.unwrapped() instanceof String text) {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Integer integerOrNull(ConfigValue value) {
        if (value == null) {
            return null;
        }
        if (value.unwrapped() instanceof Number number) {
            return integral(number);
        }
        if (value.unwrapped() instanceof String text) {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Integer integral(Number number) {
        double d = number.doubleValue();
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            return null;
        }
        return (int) d;
    }
}
