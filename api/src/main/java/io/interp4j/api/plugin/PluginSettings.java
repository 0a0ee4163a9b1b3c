package io.interp4j.api.plugin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves a plugin's settings strictly: user values over the defaults of the plugin's {@code
 * reference.conf}; a key the reference does not have, or a value of the wrong type, is an error
 * naming its full config path; all errors are reported together.
 *
 * @since 0.1
 */
@Stable
public final class PluginSettings {
    private PluginSettings() {}

    /**
     * Resolves settings against the {@code reference.conf} files visible to this class's loader.
     *
     * @param kind the plugin kind
     * @param id the plugin id
     * @param user the user's settings for this plugin (the object under its path), possibly empty
     * @return the resolved settings object
     */
    public static Config resolve(PluginKind kind, String id, Config user) {
        return resolve(kind, id, user, ConfigFactory.defaultReference(PluginSettings.class.getClassLoader()));
    }

    /**
     * Resolves settings against a given reference.
     *
     * @param kind the plugin kind
     * @param id the plugin id
     * @param user the user's settings for this plugin, possibly empty
     * @param reference a config holding the plugin's defaults at {@link PluginKind#settingsPath}
     * @return the resolved settings object
     */
    public static Config resolve(PluginKind kind, String id, Config user, Config reference) {
        requireNonNull(user, "user is null");
        String path = kind.settingsPath(id);
        if (!reference.hasPath(path)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin '" + id
                    + "' ships no defaults at " + path + " in its reference.conf");
        }
        Config defaults = reference.getConfig(path);
        String where = kind.problemPath(id);
        List<Problem> problems = new ArrayList<>();
        unknownKeys(user, defaults, where, problems);
        Config merged = user.withFallback(defaults).resolve();
        try {
            merged.checkValid(defaults);
        } catch (ConfigException.ValidationFailed e) {
            for (ConfigException.ValidationProblem p : e.problems()) {
                problems.add(new Problem(where + "." + p.path(), p.problem()));
            }
        }
        nulls(defaults.root(), merged, List.of(), where, problems);
        convertible(merged, defaults, where, problems);
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
        return merged;
    }

    /**
     * Checks a plugin's settings against a given reference, each problem moved from {@link
     * PluginKind#problemPath} to the config path where the user wrote the settings: the one check behind
     * {@link io.interp4j.api.experiment.StudyContext#checkPlugin}, whoever implements it.
     *
     * @param kind the plugin kind
     * @param id the plugin id
     * @param user the user's settings for this plugin, possibly empty
     * @param path where the user wrote them, e.g. {@code study.steps[1].settings.metrics[0].settings}
     * @param reference a config holding the plugin's defaults at {@link PluginKind#settingsPath}
     * @return unknown keys, wrong types, missing defaults, each at its path under {@code path}; empty if none
     * @since 0.3
     */
    public static List<Problem> check(PluginKind kind, String id, Config user, String path, Config reference) {
        try {
            resolve(kind, id, user, reference);
            return List.of();
        } catch (Interp4jException e) {
            return Problem.rebased(e.problemsAt(path), kind.problemPath(id), path);
        }
    }

    /**
     * The user's settings without the keys the plugin does not have (at any depth), so that a caller that
     * reported those keys can still check everything else about the settings.
     *
     * @param kind the plugin kind
     * @param id the plugin id
     * @param user the user's settings
     * @param reference a config holding the plugin's defaults at {@link PluginKind#settingsPath}
     * @return the settings without unknown keys; {@code user} itself when it has none, or when the
     *     plugin ships no defaults
     * @since 0.1
     */
    public static Config withoutUnknownKeys(PluginKind kind, String id, Config user, Config reference) {
        requireNonNull(user, "user is null");
        String path = kind.settingsPath(id);
        if (!reference.hasPath(path)) {
            return user;
        }
        List<List<String>> unknown = new ArrayList<>();
        unknownKeys(user, reference.getConfig(path), List.of(), unknown);
        Config known = user;
        for (List<String> keys : unknown) {
            known = known.withoutPath(ConfigUtil.joinPath(keys));
        }
        return known;
    }

    private static void unknownKeys(Config user, Config defaults, String where, List<Problem> problems) {
        List<List<String>> unknown = new ArrayList<>();
        unknownKeys(user, defaults, List.of(), unknown);
        for (List<String> keys : unknown) {
            Config parent = keys.size() == 1 ? defaults : defaults.getConfig(ConfigUtil.joinPath(keys.subList(0, keys.size() - 1)));
            problems.add(new Problem(where + "." + String.join(".", keys), "unknown key; allowed: " + parent.root().keySet()));
        }
    }

    /** Collects the key paths of {@code user} that {@code defaults} does not have, descending into objects both have. */
    private static void unknownKeys(Config user, Config defaults, List<String> at, List<List<String>> unknown) {
        for (Map.Entry<String, ConfigValue> e : user.root().entrySet()) {
            String key = e.getKey();
            // Typesafe quotes and escapes the key itself (a key may hold dots, quotes or control characters)
            String path = ConfigUtil.joinPath(key);
            List<String> keys = new ArrayList<>(at);
            keys.add(key);
            if (!defaults.hasPathOrNull(path)) {
                unknown.add(List.copyOf(keys));
            } else if (e.getValue().valueType() == ConfigValueType.OBJECT
                    && !defaults.getIsNull(path)
                    && defaults.getValue(path).valueType() == ConfigValueType.OBJECT) {
                unknownKeys(user.getConfig(path), defaults.getConfig(path), keys, unknown);
            }
        }
    }

    /**
     * Typesafe Config's {@code checkValid} lets null stand for any type, and reading such a setting fails
     * in the plugin: a null where the reference holds a value (or an object) is a problem naming its key.
     */
    private static void nulls(ConfigObject defaults, Config merged, List<String> at, String where, List<Problem> problems) {
        for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
            if (e.getValue().valueType() == ConfigValueType.NULL) {
                continue; // null by default: the plugin takes anything here
            }
            List<String> keys = new ArrayList<>(at);
            keys.add(e.getKey());
            String path = ConfigUtil.joinPath(keys);
            if (!merged.hasPathOrNull(path)) {
                continue; // missing (an object that replaced another value does not merge with the defaults): checkValid said so
            }
            if (merged.getIsNull(path)) {
                problems.add(new Problem(where + "." + String.join(".", keys), "expected "
                        + e.getValue().valueType().name().toLowerCase(java.util.Locale.ROOT) + ", found null"));
            } else if (e.getValue() instanceof ConfigObject object && merged.getValue(path).valueType() == ConfigValueType.OBJECT) {
                nulls(object, merged, keys, where, problems);
            }
        }
    }

    /**
     * Typesafe Config lets a string stand for any type; a number or boolean setting given as a
     * string that does not parse is caught here rather than when the plugin reads it.
     */
    private static void convertible(Config merged, Config defaults, String where, List<Problem> problems) {
        for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
            String path = e.getKey();
            // a problem at this key, or at an object above it (a string given for the object), says it all
            if (problems.stream().anyMatch(p -> p.path().equals(where + "." + path) || path.startsWith(problemPath(p, where) + "."))) {
                continue;
            }
            try {
                switch (e.getValue().valueType()) {
                    case NUMBER -> merged.getNumber(path);
                    case BOOLEAN -> merged.getBoolean(path);
                    default -> {
                        // strings, lists and objects were checked by checkValid
                    }
                }
            } catch (ConfigException e2) {
                problems.add(new Problem(where + "." + path, "expected " + e.getValue().valueType().name().toLowerCase(java.util.Locale.ROOT)
                        + ", found " + merged.getValue(path).render()));
            }
        }
    }

    /** A problem's config path below {@code where} (its whole path when it is not below it). */
    private static String problemPath(Problem problem, String where) {
        String path = problem.path();
        return path.startsWith(where + ".") ? path.substring(where.length() + 1) : path;
    }
}
