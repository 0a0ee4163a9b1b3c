package io.interp4j.experiments.atlas.lora;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.PromptEncoding;
import io.interp4j.experiments.common.SuiteChecks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prompts of a row that reads a suite by family (settings {@code suite}, {@code split} and
 * {@code families}): the tasks of each chosen family in suite order, the first {@code n} of them or
 * all.
 *
 * @param suite the study suite's name
 * @param split the split, or {@code all}
 * @param families the families, or all of the split's (in order of first appearance)
 */
public record FamilyPrompts(String suite, String split, AtlasSettings.Names families) {
    /** Checks the fields. */
    public FamilyPrompts {
        requireNonNull(suite, "suite is null");
        requireNonNull(split, "split is null");
        requireNonNull(families, "families is null");
    }

    /**
     * Reads {@code suite}, {@code split} and {@code families}.
     *
     * @param settings the step's settings; problems are recorded there
     * @return the prompts, or null after recording a problem
     */
    public static FamilyPrompts read(AtlasSettings settings) {
        String suite = settings.text("suite");
        String split = settings.text("split");
        AtlasSettings.Names families = settings.names("families");
        return suite == null || split == null || families == null ? null : new FamilyPrompts(suite, split, families);
    }

    /**
     * One encoded prompt.
     *
     * @param task the task
     * @param tokens the prompt's token ids, raw (no BOS)
     * @param target the target's token id by the row's spelling rule, or −1 where the row reads none
     */
    public record Prompt(Task task, int[] tokens, int target) {}

    /**
     * Checks the suite, split and families against the study; loads no model.
     *
     * @param context the study
     * @param perFamily how many tasks each family needs, at least 1
     * @param perFamilyKey the setting that asks for them, for messages (null where the row fixes it)
     * @return problems with full config paths
     */
    public List<Problem> validate(StudyContext context, int perFamily, String perFamilyKey) {
        List<Problem> problems = new ArrayList<>();
        String root = context.path();
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
            return problems;
        }
        TaskSuite all = context.suite(suite);
        Map<String, List<Task>> byFamily = all.split(split).byFamily();
        if (byFamily.isEmpty()) {
            problems.add(SuiteChecks.emptySplit(context, root + ".split", suite, split));
            return problems;
        }
        problems.addAll(families.check(context, byFamily.keySet(), "family", "the families of suite '" + suite + "' (split " + split + ")"));
        for (String family : families.resolve(byFamily.keySet())) {
            List<Task> tasks = byFamily.get(family);
            if (tasks != null && tasks.size() < perFamily) {
                problems.add(new Problem(root + "." + (perFamilyKey == null ? "families" : perFamilyKey), "family '" + family + "' of suite '"
                        + suite + "' (split " + split + ") has " + tasks.size() + " task(s); " + perFamily + " are needed"));
            }
        }
        return problems;
    }

    /**
     * Returns the tasks of each family.
     *
     * @param context the study
     * @param perFamily how many of each family's tasks, from the first; 0 for all
     * @return family to tasks, families in the order chosen
     */
    public Map<String, List<Task>> select(StudyContext context, int perFamily) {
        Map<String, List<Task>> byFamily = context.suite(suite).split(split).byFamily();
        Map<String, List<Task>> out = new LinkedHashMap<>();
        for (String family : families.resolve(byFamily.keySet())) {
            List<Task> tasks = byFamily.get(family);
            out.put(family, perFamily == 0 ? tasks : tasks.subList(0, Math.min(perFamily, tasks.size())));
        }
        return out;
    }

    /**
     * Encodes the prompts with a model's tokenizer, and their targets by a spelling rule.
     *
     * @param context the study, for messages
     * @param tokenizer the model's tokenizer
     * @param modelName the model's study name, for messages
     * @param tasks family to tasks, from {@link #select}
     * @param rule the target's spelling rule, or null where the row reads no target
     * @return family to prompts, in the same order
     */
    public Map<String, List<Prompt>> encode(StudyContext context, Tokenizer tokenizer, String modelName, Map<String, List<Task>> tasks,
            TargetToken.Rule rule) {
        Map<String, List<Prompt>> out = new LinkedHashMap<>();
        tasks.forEach((family, list) -> {
            List<Prompt> prompts = new ArrayList<>();
            for (Task task : list) {
                int[] ids = PromptEncoding.encode(tokenizer, task.prompt(), context.path(), "suite '" + suite + "' task '" + task.id() + "'");
                int target = -1;
                if (rule != null) {
                    try {
                        target = TargetToken.resolve(task.target(), rule, tokenizer);
                    } catch (Interp4jException e) {
                        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, new Problem(context.path() + ".target-rule", "suite '" + suite
                                + "' task '" + task.id() + "' with model '" + modelName + "': " + e.getMessage()), e);
                    }
                }
                prompts.add(new Prompt(task, ids, target));
            }
            out.put(family, List.copyOf(prompts));
        });
        return out;
    }

    /**
     * Returns a model's tokenizer or fails naming the model.
     *
     * @param context the study, for messages
     * @param model the model
     * @param modelName the model's study name
     * @return the tokenizer
     */
    public static Tokenizer tokenizer(StudyContext context, Model model, String modelName) {
        return model.tokenizer().orElseThrow(() -> new Interp4jException(List.of(new Problem(context.path() + ".models", "model '"
                + modelName + "' (" + model.directory() + ") has no tokenizer.json; this step encodes a suite's text, so its models need one"))));
    }
}
