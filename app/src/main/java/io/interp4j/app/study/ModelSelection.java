package io.interp4j.app.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Problem;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code study --models a,b}: the part of a study that some of its models take, run as if the file
 * named only them. The other models leave {@code study.models} (they are neither loaded nor checked,
 * so their folders need not exist). A step's settings, its own merged over its experiment's
 * defaults, are narrowed by the keys that name study models: {@code model = x} keeps the step only
 * when x is selected; {@code models = [..]} keeps the selected names and the step only when one is
 * left ({@code all} stays all, which now means the selected models); {@code per-model} drops the
 * overrides of the others. A name that is no study model is left for the step's own checks to
 * report. The study's name gets the selected models appended in alphabetical order
 * ({@code out/<name>-<model>...}),
 * so that a part never overwrites the whole study's results, and its stored steps are never taken
 * for the whole study's (each step's fingerprint holds its models).
 */
final class ModelSelection {
    /** The option whose problems this reports. */
    static final String OPTION = "--models";

    private static final ModelSelection EVERY = new ModelSelection(Set.of(), Set.of());

    private final Set<String> selected;
    private final Set<String> others;

    private ModelSelection(Set<String> selected, Set<String> others) {
        this.selected = selected;
        this.others = others;
    }

    /**
     * Checks the requested names against the study's models.
     *
     * @param requested the names given, empty for every model
     * @param study the {@code study} object
     * @param problems where an unknown or repeated name is recorded
     * @return the selection; one that narrows nothing when every model is selected, or when the
     *     study's models cannot be read (their own problems are reported by the loader)
     */
    static ModelSelection of(List<String> requested, Config study, List<Problem> problems) {
        if (requested.isEmpty() || !study.hasPath("models") || study.getValue("models").valueType() != ConfigValueType.OBJECT) {
            return EVERY;
        }
        Set<String> models = study.getObject("models").keySet();
        Set<String> named = new LinkedHashSet<>();
        for (String name : requested) {
            if (!models.contains(name)) {
                problems.add(new Problem(OPTION, "unknown model '" + name + "'; the study's models: " + new TreeSet<>(models)));
            } else if (!named.add(name)) {
                problems.add(new Problem(OPTION, "'" + name + "' is listed twice; list each model once"));
            }
        }
        if (named.isEmpty()) {
            return EVERY;
        }
        Set<String> selected = new TreeSet<>(); // one order, whatever the option's
        Set<String> others = new TreeSet<>();
        for (String model : models) {
            (named.contains(model) ? selected : others).add(model);
        }
        return new ModelSelection(selected, others);
    }

    /**
     * Returns whether models are left out.
     *
     * @return false when the study runs whole
     */
    boolean narrows() {
        return !others.isEmpty();
    }

    /**
     * Returns the study narrowed to the selected models: {@code models} and {@code name}.
     *
     * @param study the {@code study} object
     * @param name the study's name
     * @return the narrowed object
     */
    Config study(Config study, String name) {
        if (!narrows()) {
            return study;
        }
        Config narrowed = study;
        for (String model : others) {
            narrowed = narrowed.withoutPath(ConfigUtil.joinPath("models", model));
        }
        return narrowed.withValue("name", ConfigValueFactory.fromAnyRef(name + "-" + String.join("-", selected)));
    }

    /**
     * Narrows a step's settings.
     *
     * @param settings the step's settings
     * @return the narrowed settings, or empty when the step runs on none of the selected models
     */
    Optional<Config> settings(Config settings) {
        if (!narrows()) {
            return Optional.of(settings);
        }
        Config narrowed = settings;
        if (settings.hasPath("model") && settings.getValue("model").valueType() == ConfigValueType.STRING
                && others.contains(settings.getString("model").trim())) {
            return Optional.empty();
        }
        if (settings.hasPath("models") && settings.getValue("models").valueType() == ConfigValueType.LIST) {
            List<ConfigValue> names = settings.getList("models");
            // a list that is not all names is left whole, for the experiment to report
            if (names.stream().allMatch(v -> v.valueType() == ConfigValueType.STRING)) {
                List<ConfigValue> kept = names.stream().filter(v -> !others.contains(((String) v.unwrapped()).trim())).toList();
                if (kept.isEmpty()) {
                    return Optional.empty();
                }
                narrowed = narrowed.withValue("models", ConfigValueFactory.fromIterable(kept));
            }
        }
        if (settings.hasPath("per-model") && settings.getValue("per-model").valueType() == ConfigValueType.OBJECT) {
            ConfigObject perModel = settings.getObject("per-model");
            for (String model : perModel.keySet()) {
                if (others.contains(model)) {
                    perModel = perModel.withoutKey(model);
                }
            }
            narrowed = narrowed.withValue("per-model", perModel);
        }
        return Optional.of(narrowed);
    }
}
