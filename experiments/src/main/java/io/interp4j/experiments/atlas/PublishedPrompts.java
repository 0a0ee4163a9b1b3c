package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigValue;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.lora.AtlasSettings;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The prompts a family-mean row's published protocol averages over, a subset of the step's tasks: the first
 * {@code published-prompts-per-family} tasks (suite order) of each of {@code published-families}. The seed's
 * prompt sets differed by scale (STUDY.md: 1–2 test prompts per family at 0.5B, 1 prompt for each of 8
 * families at 1.5B), so a row reads these per model ({@code per-model}); the corrected protocol always runs
 * every task of the step's split. Both default to {@code all}: the published protocol on every task.
 *
 * @param families the families, in the order written; all of the split's (in order of first appearance) when {@code all}
 * @param perFamily how many tasks of each family, from the first; 0 for all
 */
public record PublishedPrompts(AtlasSettings.Names families, int perFamily) {
    /** The setting naming the families. */
    public static final String FAMILIES = "published-families";
    /** The setting naming how many tasks of each family. */
    public static final String PER_FAMILY = "published-prompts-per-family";
    /** Every task of the step. */
    public static final PublishedPrompts ALL = new PublishedPrompts(new AtlasSettings.Names(FAMILIES, List.of()), 0);

    /** Checks the fields. */
    public PublishedPrompts {
        requireNonNull(families, "families is null");
        if (perFamily < 0) {
            throw new IllegalArgumentException("perFamily is " + perFamily + "; allowed: 0 (all) or more");
        }
    }

    /**
     * Reads {@value #FAMILIES} and {@value #PER_FAMILY}.
     *
     * @param settings the step's settings (or one model's merged over them); problems are recorded there
     * @return the selection, or null after recording a problem
     */
    public static PublishedPrompts read(StepSettings settings) {
        AtlasSettings.Names families = new AtlasSettings(settings).names(FAMILIES);
        ConfigValue value = settings.config().getValue(PER_FAMILY);
        Integer perFamily = AtlasSettings.ALL.equals(value.unwrapped()) ? Integer.valueOf(0)
                : value.unwrapped() instanceof Integer n && n >= 1 ? n : null;
        if (perFamily == null) {
            settings.problem(PER_FAMILY, "found " + StepSettings.render(value) + "; allowed: " + AtlasSettings.ALL + ", or an integer >= 1");
        }
        return families == null || perFamily == null ? null : new PublishedPrompts(families, perFamily);
    }

    /**
     * Returns whether the published protocol runs on every task.
     *
     * @return true when both settings are {@code all}
     */
    public boolean all() {
        return families.all() && perFamily == 0;
    }

    /**
     * Checks the families against the step's tasks; loads no model.
     *
     * @param context the study, for the path
     * @param tasks the step's tasks
     * @param suite the suite's name, for messages
     * @param split the split, for messages
     * @return one problem per family the tasks do not have
     */
    public List<Problem> validate(StudyContext context, List<Task> tasks, String suite, String split) {
        LinkedHashSet<String> available = new LinkedHashSet<>();
        tasks.forEach(t -> available.add(t.family()));
        return families.check(context, available, "family", "the families of suite '" + suite + "' (split " + split + ")");
    }

    /**
     * Returns the chosen tasks grouped by family, as indices into {@code tasks}.
     *
     * @param tasks the step's tasks, in suite order
     * @return {@code [family][member]}, families in the order chosen
     */
    public int[][] select(List<Task> tasks) {
        List<String> names = tasks.stream().map(Task::family).distinct().toList();
        int[][] byFamily = Stats.families(tasks.stream().map(Task::family).toList());
        List<int[]> out = new ArrayList<>();
        for (String family : families.resolve(names)) {
            int[] members = byFamily[names.indexOf(family)];
            out.add(perFamily == 0 ? members : Arrays.copyOf(members, Math.min(perFamily, members.length)));
        }
        return out.toArray(int[][]::new);
    }

    /**
     * Describes the selection for a step's one-line description.
     *
     * @return e.g. {@code the first 2 prompt(s) of every family}
     */
    public String describe() {
        return (perFamily == 0 ? "every prompt" : "the first " + perFamily + " prompt(s)") + " of "
                + (families.all() ? "every family" : "families " + families.names());
    }
}
