package io.interp4j.experiments.atlas.lora;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoublePredicate;

/**
 * Reads the settings of the LoRA rows (training, lock-in, training shift) that their reference cannot
 * check: lists that may also be the string {@code all}, numbers in ranges, lists of integers. Problems
 * are recorded in the {@link StepSettings} and thrown together by {@link #check()}; {@code models} and
 * {@code protocols} are read by {@link io.interp4j.experiments.atlas.RowScope}.
 */
public final class AtlasSettings {
    /** The value that selects every family. */
    public static final String ALL = "all";

    private final StepSettings settings;
    private final Config config;

    /**
     * Reads an experiment's resolved settings.
     *
     * @param id the experiment id
     * @param config its resolved settings
     */
    public AtlasSettings(String id, Config config) {
        this(new StepSettings(id, config));
    }

    /**
     * Reads the settings a step reader reads (e.g. one model's {@code per-model} overrides merged over the step's).
     *
     * @param settings the reader
     */
    public AtlasSettings(StepSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.config = settings.config();
    }

    /**
     * Names chosen by a setting: a list, or every one the study has ({@code all}).
     *
     * @param key the setting's key, for messages
     * @param names the names in the order written; empty for {@code all}
     */
    public record Names(String key, List<String> names) {
        /** Copies the list. */
        public Names {
            requireNonNull(key, "key is null");
            names = List.copyOf(names);
        }

        /**
         * Returns whether the setting is {@code all}.
         *
         * @return true for all
         */
        public boolean all() {
            return names.isEmpty();
        }

        /**
         * Returns the names, {@code all} resolved against the available ones (in their order).
         *
         * @param available the names there are
         * @return the chosen names
         */
        public List<String> resolve(Iterable<String> available) {
            if (!all()) {
                return names;
            }
            List<String> out = new ArrayList<>();
            available.forEach(out::add);
            return out;
        }

        /**
         * Checks the names against the available ones.
         *
         * @param context the study, for the path
         * @param available the names there are
         * @param what what a name is, e.g. {@code model}
         * @param where where they come from, e.g. {@code the study's models}
         * @return one problem per unknown name
         */
        public List<Problem> check(StudyContext context, Set<String> available, String what, String where) {
            List<Problem> problems = new ArrayList<>();
            for (String name : names) {
                if (!available.contains(name)) {
                    problems.add(new Problem(context.path() + "." + key, "unknown " + what + " '" + name + "'; " + where + ": "
                            + new TreeSet<>(available)));
                }
            }
            return problems;
        }
    }

    /**
     * Returns the underlying settings, for the readers shared by every atlas row ({@link
     * io.interp4j.experiments.atlas.RowScope}, {@link io.interp4j.experiments.atlas.TrainedModels}).
     *
     * @return the settings
     */
    public StepSettings settings() {
        return settings;
    }

    /**
     * Reads a non-blank string.
     *
     * @param key the key
     * @return the string, or null after recording a problem
     */
    public String text(String key) {
        return settings.text(key);
    }

    /**
     * Records a problem.
     *
     * @param key the key
     * @param message what was found and what is allowed
     */
    public void problem(String key, String message) {
        settings.problem(key, message);
    }

    /**
     * Reads a non-empty list of distinct non-blank strings, or the string {@code all}.
     *
     * @param key the key
     * @return the names, or null after recording a problem
     */
    public Names names(String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() == ConfigValueType.STRING && ALL.equals(((String) value.unwrapped()).trim())) {
            return new Names(key, List.of());
        }
        List<String> list = strings(key, "; allowed: " + ALL + " or a non-empty list of distinct names");
        return list == null ? null : new Names(key, list);
    }

    /**
     * Reads a non-empty list of distinct non-blank strings.
     *
     * @param key the key
     * @return the strings, or null after recording a problem
     */
    public List<String> strings(String key) {
        return strings(key, "; allowed: a non-empty list of distinct names");
    }

    private List<String> strings(String key, String allowed) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            settings.problem(key, "found " + StepSettings.render(value) + allowed);
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (Object element : (List<?>) value.unwrapped()) {
            if (!(element instanceof String s) || s.isBlank() || !out.add(s.trim())) {
                settings.problem(key, "found " + StepSettings.render(value) + allowed);
                ok = false;
                break;
            }
        }
        return ok ? List.copyOf(out) : null;
    }

    /**
     * Reads an integer of at least {@code min}.
     *
     * @param key the key
     * @param min the smallest allowed value
     * @return the integer, or null after recording a problem
     */
    public Integer integer(String key, int min) {
        ConfigValue value = config.getValue(key);
        Object raw = value.unwrapped();
        if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= min
                && n.doubleValue() <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: an integer >= " + min);
        return null;
    }

    /**
     * Reads a number.
     *
     * @param key the key
     * @param ok what values are allowed
     * @param allowed the allowed values in words, e.g. {@code a number > 0}
     * @return the number, or null after recording a problem
     */
    public Double number(String key, DoublePredicate ok, String allowed) {
        ConfigValue value = config.getValue(key);
        if (value.unwrapped() instanceof Number n && Double.isFinite(n.doubleValue()) && ok.test(n.doubleValue())) {
            return n.doubleValue();
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: " + allowed);
        return null;
    }

    /**
     * Reads a non-empty list of distinct integers of at least {@code min}.
     *
     * @param key the key
     * @param min the smallest allowed value
     * @return the integers, ascending, or null after recording a problem
     */
    public List<Integer> integers(String key, int min) {
        ConfigValue value = config.getValue(key);
        String allowed = "; allowed: a non-empty list of distinct integers >= " + min;
        if (value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            settings.problem(key, "found " + StepSettings.render(value) + allowed);
            return null;
        }
        TreeSet<Integer> out = new TreeSet<>();
        for (Object element : (List<?>) value.unwrapped()) {
            if (!(element instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min
                    || n.doubleValue() > Integer.MAX_VALUE || !out.add(n.intValue())) {
                settings.problem(key, "found " + StepSettings.render(value) + allowed);
                return null;
            }
        }
        return List.copyOf(out);
    }

    /**
     * Throws every recorded problem at once.
     */
    public void check() {
        settings.check();
    }
}
