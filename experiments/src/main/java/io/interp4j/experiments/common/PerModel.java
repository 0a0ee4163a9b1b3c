package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A step's settings for each study model. The published study ran a different recipe at each scale
 * (../shared/STUDY.md: a slice scan at 0.5B and a true-head scan at 1.5B, a signed knockout formula at
 * one scale and an absolute one at the other, ...), so a row's settings may be overridden for one
 * model under {@code per-model.<model>}:
 *
 * <pre>{@code
 * per-model {
 *   large { published-variant = head, published-layers = 6 }
 * }
 * }</pre>
 *
 * <p>An override is merged over the step's own settings and read by the row's own reader, so it is
 * checked exactly as the step's value is, and its problems name {@code per-model.<model>.<key>}. A row
 * names the keys it reads per model (the recipe settings that differed by scale); the others, and the
 * keys that define the comparison itself ({@code models}, {@code protocols}), cannot differ per model.
 *
 * @param <S> the row's settings
 */
public final class PerModel<S> {
    /** The key holding the overrides: an object from model names to objects of settings. */
    public static final String KEY = "per-model";

    /**
     * Reads a row's settings from a reader of one (merged) settings object.
     *
     * @param <S> the settings
     */
    @FunctionalInterface
    public interface Reader<S> {
        /**
         * Reads settings, recording problems.
         *
         * @param settings the settings to read (the step's, or one model's merged over them)
         * @return the settings, or null after recording a problem
         */
        S read(StepSettings settings);
    }

    private final S common;
    private final Map<String, S> models;

    private PerModel(S common, Map<String, S> models) {
        this.common = requireNonNull(common, "common is null");
        this.models = Map.copyOf(models);
    }

    /**
     * Reads the step's settings and every model's overrides.
     *
     * @param <S> the row's settings
     * @param settings the step's settings
     * @param keys the keys a model may override, each a key of the step's settings
     * @param reader reads one settings object
     * @return the settings, or null after recording a problem
     */
    public static <S> PerModel<S> read(StepSettings settings, Set<String> keys, Reader<S> reader) {
        S common = reader.read(settings);
        Config overrides = settings.objectOrEmpty(KEY);
        if (overrides == null) {
            return null;
        }
        Config base = settings.config().withoutPath(KEY);
        Set<String> allowed = new TreeSet<>(keys);
        boolean ok = common != null;
        Map<String, S> models = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : new TreeMap<>(overrides.root()).entrySet()) {
            String where = KEY + "." + entry.getKey();
            if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
                settings.problem(where, "found " + StepSettings.render(entry.getValue()) + "; allowed: an object of this step's"
                        + " settings " + allowed + " for model '" + entry.getKey() + "'");
                ok = false;
                continue;
            }
            Config override = ((ConfigObject) entry.getValue()).toConfig();
            boolean known = true;
            for (String key : new TreeSet<>(override.root().keySet())) {
                if (!allowed.contains(key) && base.root().containsKey(key)) {
                    settings.problem(where + "." + key, "cannot differ per model; set it for the step. Allowed per model: "
                            + allowed);
                    known = false;
                } else if (!allowed.contains(key)) {
                    settings.problem(where + "." + key, "unknown key; allowed: " + allowed);
                    known = false;
                }
            }
            if (!known) {
                ok = false;
                continue;
            }
            Config merged = override.withFallback(base);
            try {
                merged.checkValid(base);
            } catch (ConfigException.ValidationFailed e) {
                for (ConfigException.ValidationProblem problem : e.problems()) {
                    settings.problem(where + "." + problem.path(), problem.problem());
                }
                ok = false;
                continue;
            }
            S read = reader.read(settings.nested(where + ".", merged));
            if (read == null) {
                ok = false;
            } else {
                models.put(entry.getKey(), read);
            }
        }
        return ok ? new PerModel<>(common, models) : null;
    }

    /**
     * Returns the settings a model runs with.
     *
     * @param model the study model's name
     * @return its overrides merged over the step's settings, or the step's settings
     */
    public S of(String model) {
        return models.getOrDefault(model, common);
    }

    /**
     * Returns the step's own settings (what a model without overrides runs with).
     *
     * @return the settings
     */
    public S common() {
        return common;
    }

    /**
     * Returns the config path a model's settings are read at, for its problems.
     *
     * @param context the study
     * @param model the study model's name
     * @return {@code <step>.per-model.<model>} when the model has overrides, else the step's path
     */
    public String path(StudyContext context, String model) {
        return models.containsKey(model) ? context.path() + "." + KEY + "." + model : context.path();
    }

    /**
     * Returns whether any model has overrides.
     *
     * @return true when {@code per-model} names a model
     */
    public boolean varies() {
        return !models.isEmpty();
    }

    /**
     * Checks that every model with overrides is a model of the study; loads no model. Overrides for a
     * study model the step does not run are allowed, so that study-wide defaults
     * ({@code interp4j.experiment."<id>".per-model}) can serve steps that run different models.
     *
     * @param context the study
     * @return problems with full config paths
     */
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>();
        for (String model : new TreeSet<>(models.keySet())) {
            if (!context.modelNames().contains(model)) {
                problems.add(new Problem(context.path() + "." + KEY + "." + model, "unknown model '" + model + "'; the study's models: "
                        + new TreeSet<>(context.modelNames())));
            }
        }
        return problems;
    }
}
