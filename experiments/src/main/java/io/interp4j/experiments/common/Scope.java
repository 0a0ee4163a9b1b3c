package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every experiment step runs on: a study model, the tasks of one split of a study suite, and the
 * named prompt sets that plugins read (settings {@code model}, {@code suite}, {@code split} and
 * {@code prompt-sets}, documented in this module's reference.conf).
 *
 * @param model the study model's name
 * @param suite the study suite's name
 * @param split the split, or {@code all}
 * @param promptSets prompt set names to selections, by name
 */
public record Scope(String model, String suite, String split, Map<String, Selection> promptSets) {
    /** The prompt set holding the step's own prompts (the clean prompts of the selected tasks, in order). */
    public static final String TARGET_SET = "clean";

    /** Copies the sets. */
    public Scope {
        requireNonNull(model, "model is null");
        requireNonNull(suite, "suite is null");
        requireNonNull(split, "split is null");
        promptSets = Collections.unmodifiableMap(new TreeMap<>(requireNonNull(promptSets, "promptSets is null")));
    }

    /**
     * Which prompts a named set holds: the clean or corrupt prompts of a suite's tasks.
     *
     * @param suite the study suite, or null for the step's suite (and split)
     * @param corrupt whether the corrupt prompts are taken (tasks without one are left out)
     */
    public record Selection(String suite, boolean corrupt) {
        /**
         * Parses {@code clean}, {@code corrupt}, {@code <suite>:clean} or {@code <suite>:corrupt}.
         *
         * @param text the text
         * @return the selection, or null when the text is none of these
         */
        static Selection parse(String text) {
            int colon = text.lastIndexOf(':');
            String suite = colon < 0 ? null : text.substring(0, colon).trim();
            String which = text.substring(colon + 1).trim();
            if ((suite != null && suite.isEmpty()) || !(which.equals("clean") || which.equals("corrupt"))) {
                return null;
            }
            return new Selection(suite, which.equals("corrupt"));
        }

        @Override
        public String toString() {
            return (suite == null ? "" : suite + ":") + (corrupt ? "corrupt" : "clean");
        }
    }

    /**
     * Reads {@code model}, {@code suite}, {@code split} and {@code prompt-sets}.
     *
     * @param settings the step's settings; problems are recorded there
     * @return the scope, or null after recording a problem
     */
    public static Scope read(StepSettings settings) {
        String model = settings.text("model");
        String suite = settings.text("suite");
        String split = settings.text("split");
        Config sets = settings.objectOrEmpty("prompt-sets");
        Map<String, Selection> selections = new TreeMap<>();
        boolean ok = sets != null;
        if (sets != null) {
            for (Map.Entry<String, ConfigValue> e : sets.root().entrySet()) {
                ConfigValue value = e.getValue();
                Selection selection = value.valueType() == ConfigValueType.STRING ? Selection.parse((String) value.unwrapped()) : null;
                if (selection == null) {
                    settings.problem("prompt-sets." + e.getKey(), "found " + StepSettings.render(value)
                            + "; allowed: clean, corrupt, <suite>:clean or <suite>:corrupt");
                    ok = false;
                } else {
                    selections.put(e.getKey(), selection);
                }
            }
        }
        if (model == null || suite == null || split == null || !ok) {
            return null;
        }
        return new Scope(model, suite, split, selections);
    }

    /**
     * Checks the names against the study; loads no model.
     *
     * @param context the study
     * @return problems with full config paths
     */
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>();
        String root = context.path();
        if (!context.modelNames().contains(model)) {
            problems.add(new Problem(root + ".model", "unknown model '" + model + "'; the study's models: " + new TreeSet<>(context.modelNames())));
        }
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
        } else if (tasks(context).isEmpty()) {
            problems.add(SuiteChecks.emptySplit(context, root + ".split", suite, split));
        }
        promptSets.forEach((name, selection) -> {
            if (selection.suite() != null) {
                SuiteChecks.unknownSuite(context, root + ".prompt-sets." + name, selection.suite()).ifPresent(problems::add);
            }
        });
        return problems;
    }

    /**
     * Returns the tasks the step runs.
     *
     * @param context the study
     * @return the tasks of the split, in suite order
     */
    public List<Task> tasks(StudyContext context) {
        return context.suite(suite).split(split).tasks();
    }

    /**
     * Loads the model and encodes the prompts.
     *
     * @param context the study
     * @return the model, its tokenizer, the tasks and the prompt sets
     */
    public Prompts prepare(StudyContext context) {
        Model loaded = context.model(model);
        Tokenizer tokenizer = loaded.tokenizer().orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path()
                + ".model: model '" + model + "' (" + loaded.directory() + ") has no tokenizer.json; this step encodes the suite's"
                + " prompts and targets as text, so its model needs one"));
        Map<String, List<int[]>> sets = sets(context, tokenizer);
        return new Prompts(loaded, tokenizer, tasks(context), sets.get(TARGET_SET), sets);
    }

    /**
     * Encodes the prompt sets with the model's tokenizer alone (no weights), so that a step can build
     * and count its forward plans before anything runs; the same sets {@link #prepare} gives.
     *
     * @param context the study
     * @return the prompt sets by name, {@link #TARGET_SET} (the tasks' clean prompts, in task order) first
     */
    public Map<String, List<int[]>> sets(StudyContext context) {
        Tokenizer tokenizer;
        try {
            tokenizer = context.tokenizer(model);
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), new Problem(context.path() + ".model", "model '" + model + "': " + e.getMessage()), e);
        }
        return sets(context, tokenizer);
    }

    private Map<String, List<int[]>> sets(StudyContext context, Tokenizer tokenizer) {
        List<Task> tasks = tasks(context);
        Map<String, List<int[]>> sets = new LinkedHashMap<>();
        sets.put(TARGET_SET, encode(context, tokenizer, suite, tasks, false));
        promptSets.forEach((name, selection) -> {
            List<Task> from = selection.suite() == null ? tasks : context.suite(selection.suite()).tasks();
            String suiteName = selection.suite() == null ? suite : selection.suite();
            sets.put(name, encode(context, tokenizer, suiteName, from, selection.corrupt()));
        });
        return sets;
    }

    private static List<int[]> encode(StudyContext context, Tokenizer tokenizer, String suite, List<Task> tasks, boolean corrupt) {
        List<int[]> out = new ArrayList<>();
        for (Task task : tasks) {
            if (corrupt && task.corruptPrompt().isEmpty()) {
                continue;
            }
            String text = corrupt ? task.corruptPrompt().get() : task.prompt();
            int[] ids = tokenizer.encode(text);
            if (ids.length == 0) {
                throw new Interp4jException(List.of(new Problem(context.path(), "suite '" + suite + "' task '" + task.id()
                        + "': the " + (corrupt ? "corrupt " : "") + "prompt encodes to no tokens")));
            }
            out.add(ids);
        }
        return List.copyOf(out);
    }

    /**
     * Describes the scope for a step's one-line description.
     *
     * @return e.g. {@code model 'main', suite 'main' (split all)}
     */
    public String describe() {
        return "model '" + model + "', suite '" + suite + "' (split " + split + ")";
    }

    /**
     * The loaded model and encoded prompts of a step.
     *
     * @param model the model
     * @param tokenizer its tokenizer
     * @param tasks the tasks run, in order
     * @param tokens their clean prompts' token ids, in the same order
     * @param sets the prompt sets by name, {@link #TARGET_SET} first
     */
    public record Prompts(Model model, Tokenizer tokenizer, List<Task> tasks, List<int[]> tokens, Map<String, List<int[]>> sets) {
        /** Copies the lists. */
        public Prompts {
            requireNonNull(model, "model is null");
            requireNonNull(tokenizer, "tokenizer is null");
            tasks = List.copyOf(tasks);
            tokens = List.copyOf(tokens);
            sets = Collections.unmodifiableMap(new LinkedHashMap<>(sets));
        }
    }
}
