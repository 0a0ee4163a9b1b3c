package io.interp4j.interventions.common;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plugin.PluginKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one intervention plugin's resolved settings strictly. {@link io.interp4j.api.plugin.PluginSettings}
 * has already rejected unknown keys and values of a type the reference cannot convert; this class
 * checks what the reference cannot say (ranges, allowed words, a key that may be null, a string where
 * a number is expected). Every getter records a problem instead of throwing and returns {@code null};
 * {@link #check()} then throws them all at once, each naming {@code interp4j.intervention.<id>.<key>},
 * what was found and what is allowed.
 */
public final class Settings {
    private static final ConfigRenderOptions CONCISE = ConfigRenderOptions.concise();

    private final String id;
    private final Config config;
    private final List<Problem> problems = new ArrayList<>();

    /**
     * Reads the settings of a plugin.
     *
     * @param id the plugin id
     * @param config its resolved settings object
     */
    public Settings(String id, Config config) {
        this.id = requireNonNull(id, "id is null");
        this.config = requireNonNull(config, "config is null");
    }

    /**
     * Returns the plugin id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the full config path of a key, for messages.
     *
     * @param key a key relative to the plugin's settings, e.g. {@code vector.from}
     * @return e.g. {@code interp4j.intervention.steering.vector.from}
     */
    public String path(String key) {
        return "interp4j." + PluginKind.INTERVENTION.configName() + "." + id + "." + key;
    }

    /**
     * Records a problem with a key.
     *
     * @param key the key
     * @param found what was found, rendered
     * @param allowed what is allowed
     */
    public void problem(String key, String found, String allowed) {
        problems.add(new Problem(path(key), "found " + found + "; allowed: " + allowed));
    }

    /**
     * Records a problem with a key's value.
     *
     * @param key the key
     * @param allowed what is allowed
     */
    public void problem(String key, String allowed) {
        problem(key, render(key), allowed);
    }

    /**
     * Renders a key's value as HOCON, for messages.
     *
     * @param key the key
     * @return e.g. {@code "layer-output"}, {@code [1,2]} or {@code null}
     */
    public String render(String key) {
        if (!config.hasPathOrNull(key)) {
            return "nothing";
        }
        return config.getIsNull(key) ? "null" : config.getValue(key).render(CONCISE);
    }

    /**
     * Returns whether a key holds null.
     *
     * @param key the key
     * @return true if absent or null
     */
    public boolean isNull(String key) {
        return !config.hasPath(key);
    }

    /**
     * Reads a non-blank string.
     *
     * @param key the key
     * @return the string, or null after recording a problem
     */
    public String text(String key) {
        ConfigValue value = value(key);
        if (value != null && value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).isBlank()) {
            return ((String) value.unwrapped()).trim();
        }
        problem(key, "a non-empty string");
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
        problem(key, String.join(", ", allowed));
        return null;
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
            problem(key, "a finite number");
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
            problem(key, "an integer >= " + min);
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
            problem(key, "an integer >= " + min + ", or null (" + meaningOfNull + ")");
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
        problem(key, String.join(", ", words) + ", or an integer >= " + min);
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
        problem(key, "a list of distinct integers >= " + min + ", like [0, 3]");
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
        problem(key, "all, first, last, or a non-empty list of position indices like [0, -1] (negative: from the end)");
        return null;
    }

    /**
     * Reads an object, or null as an empty object.
     *
     * @param key the key
     * @return the object, or null after recording a problem
     */
    public Config objectOrEmpty(String key) {
        if (isNull(key)) {
            return ConfigFactory.empty();
        }
        ConfigValue value = config.getValue(key);
        if (value.valueType() == ConfigValueType.OBJECT) {
            return config.getConfig(key);
        }
        problem(key, "an object { ... } or null");
        return null;
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

    private ConfigValue value(String key) {
        return config.hasPath(key) ? config.getValue(key) : null;
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
