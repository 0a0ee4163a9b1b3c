package io.interp4j.probes.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one probe's resolved settings: the readers every plugin kind shares ({@link SettingsReader}) and
 * those of a probe's own values (hook sites, layer and head indices, positions that may be one index).
 * Unlike the shared readers, which return null after a problem, these return a harmless placeholder, so
 * that a factory can pass them straight to the probe's constructor and call {@link #check()} after.
 */
public final class Settings extends SettingsReader {
    /**
     * Starts reading.
     *
     * @param id the probe id
     * @param config the resolved settings object of the probe
     */
    public Settings(String id, Config config) {
        super(PluginKind.PROBE, id, config);
    }

    /**
     * Returns the full config path of a key, as messages name it.
     *
     * @param id the probe id
     * @param key the key
     * @return {@code interp4j.probe.<id>.<key>}
     */
    public static String path(String id, String key) {
        return PluginKind.PROBE.problemPath(id) + "." + key;
    }

    /**
     * Reads a string that must not be blank.
     *
     * @param key the key
     * @param allowed what is allowed, for the message
     * @return the string, or "" after a problem
     */
    public String nonEmptyString(String key, String allowed) {
        try {
            String value = config().getString(key);
            if (value.isBlank()) {
                problem(key, "\"" + value + "\"", allowed);
                return "";
            }
            return value;
        } catch (ConfigException e) {
            return wrongType(key, allowed);
        }
    }

    /**
     * Reads an integer within bounds.
     *
     * @param key the key
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @return the value, or {@code min} after a problem
     */
    public int intInRange(String key, int min, int max) {
        String allowed = "an integer in " + min + ".." + max;
        try {
            int value = config().getInt(key);
            if (value < min || value > max) {
                problem(key, Integer.toString(value), allowed);
                return min;
            }
            return value;
        } catch (ConfigException e) {
            wrongType(key, allowed);
            return min;
        }
    }

    /**
     * Reads a list of distinct non-negative integers (an empty list is allowed and usually means
     * "all").
     *
     * @param key the key
     * @param what what the integers are, for the message (e.g. {@code layer indices})
     * @return the integers in the given order, or an empty list after a problem
     */
    public List<Integer> indices(String key, String what) {
        String allowed = "a list of distinct " + what + " >= 0, or [] for all";
        try {
            List<Integer> values = config().getIntList(key);
            Set<Integer> distinct = new LinkedHashSet<>(values);
            if (distinct.size() != values.size() || values.stream().anyMatch(v -> v < 0)) {
                problem(key, values.toString(), allowed);
                return List.of();
            }
            return List.copyOf(values);
        } catch (ConfigException e) {
            wrongType(key, allowed);
            return List.of();
        }
    }

    /**
     * Reads a site name ({@code blocks.{L}.<hook>}, a model-wide hook point, or {@code
     * blocks.{L}.contribution}).
     *
     * @param key the key
     * @return the site, or {@code null} after a problem
     */
    public Site site(String key) {
        String name = nonEmptyString(key, "a hook point name or blocks.{L}.contribution");
        return name.isEmpty() ? null : parseSite(key, name);
    }

    /**
     * Reads a non-empty list of distinct site names.
     *
     * @param key the key
     * @return the sites, or an empty list after a problem
     */
    public List<Site> sites(String key) {
        String allowed = "a non-empty list of hook point names (e.g. [\"blocks.0.hook_resid_post\"]) or blocks.{L}.contribution";
        List<String> names;
        try {
            names = config().getStringList(key);
        } catch (ConfigException e) {
            wrongType(key, allowed);
            return List.of();
        }
        if (names.isEmpty() || new LinkedHashSet<>(names).size() != names.size()) {
            problem(key, names.toString(), allowed + ", each once");
            return List.of();
        }
        List<Site> sites = new ArrayList<>();
        for (String name : names) {
            Site site = parseSite(key, name);
            if (site != null) {
                sites.add(site);
            }
        }
        return sites.size() == names.size() ? List.copyOf(sites) : List.of();
    }

    /**
     * Reads a site that has a fixed feature shape at every position (not attention scores or patterns).
     *
     * @param key the key
     * @return the site, or {@code null} after a problem
     */
    public Site perPositionSite(String key) {
        Site site = site(key);
        return site == null || checkPerPosition(key, site) ? site : null;
    }

    /**
     * Reads a non-empty list of distinct sites that have a fixed feature shape at every position.
     *
     * @param key the key
     * @return the sites, or an empty list after a problem
     */
    public List<Site> perPositionSites(String key) {
        List<Site> sites = sites(key);
        boolean ok = true;
        for (Site site : sites) {
            ok &= checkPerPosition(key, site);
        }
        return ok ? sites : List.of();
    }

    private boolean checkPerPosition(String key, Site site) {
        if (SiteActivations.perPosition(site)) {
            return true;
        }
        problem(key, "'" + site.name() + "', whose key axis grows with the prompt (no per-position feature shape)",
                "any other hook point or blocks.{L}.contribution; read patterns with the attention-pattern probe");
        return false;
    }

    private Site parseSite(String key, String name) {
        try {
            return Site.parse(name);
        } catch (Interp4jException e) {
            problem(key, e.getMessage());
            return null;
        }
    }

    /**
     * Reads positions: {@code all}, {@code first}, {@code last}, one integer, or a list of integers
     * (negative counts back from the last position).
     *
     * @param key the key
     * @return the positions, or {@link Positions#LAST} after a problem
     */
    @Override
    public Positions positions(String key) {
        try {
            ConfigValue value = config().getValue(key);
            if (value.unwrapped() instanceof Integer single) {
                return Positions.of(single);
            }
            if (value.unwrapped() instanceof List<?> list && list.isEmpty()) {
                problem(key, "[]", "all, first, last, an index or a non-empty list of indices like [0, -1]");
                return Positions.LAST;
            }
            return Positions.parse(value, path(key));
        } catch (Interp4jException e) {
            problems(e.problemsAt(path(key)));
            return Positions.LAST;
        } catch (ConfigException e) {
            wrongType(key, "all, first, last, an index or a list of indices like [0, -1]");
            return Positions.LAST;
        }
    }

    private String wrongType(String key, String allowed) {
        String found = config().hasPathOrNull(key) && !config().getIsNull(key) ? config().getValue(key).render() : "nothing";
        problem(key, found, allowed);
        return "";
    }
}
