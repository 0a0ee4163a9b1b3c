package io.interp4j.experiments.common;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks before anything runs that the targets a step reads are one token each of a model under the
 * step's spelling rule, and inside its vocabulary: what {@link TargetToken#resolve} would refuse on the
 * first such task after earlier steps ran. A problem lists the first {@value #LISTED} failing tasks and
 * counts the rest.
 */
public final class TargetChecks {
    /** The most tasks a problem lists by name. */
    public static final int LISTED = 5;

    private TargetChecks() {}

    /**
     * Returns why a target has no token id of a model, if it has none.
     *
     * @param target the target's text (or {@code #id})
     * @param rule the spelling rule
     * @param tokenizer the model's tokenizer
     * @param vocab the model's vocabulary size
     * @return the reason, or empty when the target resolves to a token of the vocabulary
     */
    public static Optional<String> problem(String target, TargetToken.Rule rule, Tokenizer tokenizer, int vocab) {
        int id;
        try {
            id = TargetToken.resolve(target, rule, tokenizer);
        } catch (Interp4jException e) {
            return Optional.of(e.getMessage());
        }
        if (id < 0 || id >= vocab) {
            return Optional.of("target '" + target + "' is token " + id + ", outside the vocabulary 0.." + (vocab - 1));
        }
        return Optional.empty();
    }

    /**
     * Returns the problem of the tasks whose target has no token id of a model, if there are any.
     *
     * @param where the setting the problem names, e.g. {@code study.steps[2].settings.target-rule}
     * @param context the study
     * @param model the study model's name
     * @param tasks the tasks whose targets the step reads
     * @param rule the spelling rule
     * @return the problem, or empty when every target resolves, or when the model has no tokenizer (building
     *     the step's plans reports that)
     */
    public static Optional<Problem> check(String where, StudyContext context, String model, List<Task> tasks, TargetToken.Rule rule) {
        Tokenizer tokenizer;
        try {
            tokenizer = context.tokenizer(model);
        } catch (Interp4jException e) {
            return Optional.empty();
        }
        int vocab = context.modelConfig(model).vocabSize();
        Failures failures = new Failures();
        for (Task task : tasks) {
            problem(task.target(), rule, tokenizer, vocab).ifPresent(p -> failures.add(task, p));
        }
        return failures.isEmpty() ? Optional.empty() : Optional.of(new Problem(where, "model '" + model + "' reads each task's target as one"
                + " token (target-rule = " + name(rule) + "), which " + failures.describe(tasks.size())));
    }

    /**
     * Returns a rule's name as settings spell it.
     *
     * @param rule the rule
     * @return e.g. {@code leading-space}
     */
    public static String name(TargetToken.Rule rule) {
        return rule.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The tasks that failed a check: how many, and the first {@value #LISTED} with their reasons. */
    public static final class Failures {
        private final List<String> listed = new ArrayList<>();
        private int count;

        /**
         * Records a failing task.
         *
         * @param task the task
         * @param reason why it fails
         */
        public void add(Task task, String reason) {
            count++;
            if (listed.size() < LISTED) {
                listed.add("task '" + task.id() + "': " + reason);
            }
        }

        /**
         * Returns whether no task failed.
         *
         * @return true when none did
         */
        public boolean isEmpty() {
            return count == 0;
        }

        /**
         * Describes the failures.
         *
         * @param of how many tasks were checked
         * @return e.g. {@code 7 of the 24 tasks do not give: task 'a': ...; ...; and 2 more}
         */
        public String describe(int of) {
            return count + " of the " + of + " tasks do not give: " + String.join("; ", listed)
                    + (count > listed.size() ? "; and " + (count - listed.size()) + " more" : "");
        }
    }
}
