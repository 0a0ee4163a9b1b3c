package io.interp4j.metrics.support;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.util.List;
import java.util.function.DoublePredicate;

/**
 * Reads a metric's resolved settings object strictly. {@code PluginSettings} has already rejected
 * unknown keys, but HOCON lets a quoted string stand for any scalar, so every value is checked here
 * again; an error names the full path {@code interp4j.metric.<id>.<key>}, what was found and what is
 * allowed.
 */
public final class MetricSettings {
    private final String metricId;
    private final Config config;

    /**
     * Wraps settings.
     *
     * @param metricId the metric id
     * @param config the plugin's resolved settings object
     */
    public MetricSettings(String metricId, Config config) {
        this.metricId = requireNonNull(metricId, "metricId is null");
        this.config = requireNonNull(config, "config is null");
    }

    /**
     * Returns the config path of a key, for messages.
     *
     * @param key the key
     * @return {@code interp4j.metric.<id>.<key>}
     */
    public String path(String key) {
        return "interp4j.metric." + metricId + "." + key;
    }

    /**
     * Returns a raw value.
     *
     * @param key the key
     * @return the value
     */
    public ConfigValue value(String key) {
        try {
            return config.getValue('"' + key + '"');
        } catch (ConfigException.Missing e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, path(key) + ": missing; settings must be resolved against"
                    + " the reference.conf defaults (PluginSettings.resolve) before create", e);
        }
    }

    /**
     * Reads one of a fixed set of names.
     *
     * @param key the key
     * @param allowed the allowed names
     * @return the name found
     */
    public String choice(String key, List<String> allowed) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.STRING && allowed.contains((String) v.unwrapped())) {
            return (String) v.unwrapped();
        }
        throw invalid(key, v, String.join(", ", allowed));
    }

    /**
     * Reads an integer.
     *
     * @param key the key
     * @param min the least allowed value
     * @return the integer
     */
    public int integer(String key, int min) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.NUMBER && v.unwrapped() instanceof Integer n && n >= min) {
            return n;
        }
        throw invalid(key, v, "an integer ≥ " + min);
    }

    /**
     * Reads a number.
     *
     * @param key the key
     * @param ok which values are allowed
     * @param allowed the allowed values in words, for messages
     * @return the number
     */
    public double number(String key, DoublePredicate ok, String allowed) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.NUMBER) {
            double d = ((Number) v.unwrapped()).doubleValue();
            if (ok.test(d)) {
                return d;
            }
        }
        throw invalid(key, v, allowed);
    }

    /**
     * Reads a boolean.
     *
     * @param key the key
     * @return the flag
     */
    public boolean flag(String key) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) v.unwrapped();
        }
        throw invalid(key, v, "true, false");
    }

    /**
     * Creates the error for a value that is not allowed.
     *
     * @param key the key
     * @param found the value found
     * @param allowed the allowed values in words
     * @return the exception to throw
     */
    public Interp4jException invalid(String key, ConfigValue found, String allowed) {
        return new Interp4jException(ErrorCode.INVALID_ARGUMENT,
                path(key) + ": found " + found.render(ConfigRenderOptions.concise()) + "; allowed: " + allowed);
    }
}
