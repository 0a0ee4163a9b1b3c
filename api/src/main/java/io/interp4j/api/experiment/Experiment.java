package io.interp4j.api.experiment;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import io.interp4j.api.plan.ForwardPlan;
import java.util.List;

/**
 * A configured study step.
 *
 * @since 0.1
 */
@Stable
public interface Experiment {
    /**
     * Checks the step against the study before anything runs: models and suites it names, plugin ids
     * and settings, layers and heads in range. Loads no model.
     *
     * @param context the study
     * @return problems, each at its config path (use {@link StudyContext#path}); empty if none
     */
    List<Problem> validate(StudyContext context);

    /**
     * Runs {@link #validate} and throws its problems ({@link Interp4jException#problems()}) if there are any; {@link #run}
     * implementations call it first, since a step may be run without the study validating it.
     *
     * @param context the study
     * @throws Interp4jException {@link ErrorCode#INVALID_ARGUMENT} with every problem
     */
    default void requireValid(StudyContext context) {
        List<Problem> problems = validate(context);
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
    }

    /**
     * Returns the forward plans the step will hand to {@link StudyContext#forwards}, built without
     * running anything (models' tokenizers and configs only). A plan whose requests depend on an
     * earlier plan's readouts (a steering vector, a patching source) is built with placeholder values
     * of the right shapes: what it costs does not depend on them. Dry runs count and estimate the
     * step from these plans and its {@link #unplanned} work.
     *
     * @param context the study
     * @return the plans, in the order the step runs them; empty for a step without planned forwards
     * @since 0.2
     */
    default List<ForwardPlan> plans(StudyContext context) {
        return List.of();
    }

    /**
     * Returns the work the step runs outside its forward plans (LoRA training, generation), built as
     * {@link #plans} are, without running anything. Dry runs count it and price it on a short timed
     * sample of the same work.
     *
     * @param context the study
     * @return the work, in the order the step runs it; empty for a step that runs only plans
     * @since 0.4
     */
    default List<UnplannedWork> unplanned(StudyContext context) {
        return List.of();
    }

    /**
     * Returns how many forward passes the step will run, for dry runs and progress: by default the
     * requests of its {@link #plans} and the forward passes of its {@link #unplanned} work.
     *
     * @param context the study
     * @return the count
     */
    default long forwardPasses(StudyContext context) {
        return plans(context).stream().mapToLong(ForwardPlan::size).sum()
                + unplanned(context).stream().mapToLong(UnplannedWork::forwardPasses).sum();
    }

    /**
     * States what the step does, for plans and reports.
     *
     * @return one line
     */
    String describe();

    /**
     * Runs the step.
     *
     * @param context the study
     * @param progress where to report progress, in forward passes
     * @return the step's tables and charts
     */
    StepResult run(StudyContext context, Progress progress);

    /**
     * Returns the ids of earlier steps whose artefacts this step reads (e.g. the step that trained
     * the adapters it studies). The study checks that they exist and come earlier, and a change in
     * any of them makes this step run again.
     *
     * @return the step ids, empty by default
     */
    default List<String> dependsOn() {
        return List.of();
    }
}
