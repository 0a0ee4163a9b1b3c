package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.experiments.common.StepSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The trained models of the atlas rows that study base + LoRA (STUDY.md rows 6, 7, 8, 12, 13): the
 * setting {@code training-step} names the study step that trained the adapters (experiment {@code
 * lora-training}), which writes the final PEFT adapter of study model {@code M} to {@code
 * <its artefacts>/M/adapter}. The trained model is the study model with that adapter merged, loaded
 * as a separate variant, so the base model ({@link StudyContext#model(String)}) never sees it.
 *
 * @param step the training step's id
 */
public record TrainedModels(String step) {
    /** The setting naming the training step. */
    public static final String SETTING = "training-step";
    /** The folder under a model's artefacts that holds its final adapter. */
    public static final String ADAPTER = "adapter";

    /** Checks the step id. */
    public TrainedModels {
        requireNonNull(step, "step is null");
    }

    /**
     * Reads {@value #SETTING}.
     *
     * @param settings the step's settings; problems are recorded there
     * @return the trained models, or null after recording a problem
     */
    public static TrainedModels read(StepSettings settings) {
        String step = settings.text(SETTING);
        return step == null ? null : new TrainedModels(step);
    }

    /**
     * Returns the steps a row reads, for {@link io.interp4j.api.experiment.Experiment#dependsOn()}.
     *
     * @return the training step
     */
    public List<String> dependsOn() {
        return List.of(step);
    }

    /**
     * Checks before anything runs that the training step is an earlier step that trains adapters and
     * will write one for each of a row's models. A step the study does not show (no earlier step of
     * that id) is left to the study's own check of {@code dependsOn}.
     *
     * @param context the study
     * @param models the row's models
     * @return problems naming {@value #SETTING}; empty if none
     */
    public List<Problem> validate(StudyContext context, List<String> models) {
        Optional<Experiment> found = context.earlierStep(step);
        if (found.isEmpty()) {
            return List.of();
        }
        if (!(found.get() instanceof AdapterTraining training)) {
            return List.of(new Problem(context.path() + "." + SETTING, "step '" + step + "' trains no LoRA adapters (" + found.get().describe()
                    + "); allowed: the id of an earlier lora-training step"));
        }
        List<String> trainedModels = training.adaptedModels(context);
        List<Problem> problems = new ArrayList<>();
        for (String model : models) {
            if (context.modelNames().contains(model) && !trainedModels.contains(model)) {
                problems.add(new Problem(context.path() + "." + SETTING, "step '" + step + "' trains adapters for models " + trainedModels
                        + ", so it leaves none for model '" + model + "'; train this model in that step, or leave it out of models"));
            }
        }
        return problems;
    }

    /**
     * Checks before anything runs that the training step saves every checkpoint a row asks for, on each
     * of the row's models it trains ({@link #validate} reports the others).
     *
     * @param context the study
     * @param models the row's models
     * @param steps the optimizer steps the row reads checkpoints of
     * @param key the row's setting that asks for them, for the message (e.g. {@code checkpoints})
     * @return problems naming {@code key}; empty if none
     */
    public List<Problem> validateCheckpoints(StudyContext context, List<String> models, List<Integer> steps, String key) {
        Optional<Experiment> found = context.earlierStep(step);
        if (found.isEmpty() || !(found.get() instanceof AdapterTraining training)) {
            return List.of();
        }
        List<Problem> problems = new ArrayList<>();
        List<String> trainedModels = training.adaptedModels(context);
        for (String model : models) {
            if (!trainedModels.contains(model)) {
                continue;
            }
            List<Integer> saved = training.checkpoints(model);
            List<Integer> missing = steps.stream().filter(s -> !saved.contains(s)).toList();
            if (!missing.isEmpty()) {
                problems.add(new Problem(context.path() + "." + key, "step '" + step + "' saves no checkpoint after step"
                        + (missing.size() > 1 ? "s " : " ") + missing + " for model '" + model + "'; it saves " + saved + ". Add the step to"
                        + " that step's checkpoints, or leave it out here"));
            }
        }
        return problems;
    }

    /**
     * Returns the final adapter of a model, checking that the training step wrote it.
     *
     * @param context the study
     * @param model the study model's name
     * @return the PEFT adapter directory
     */
    public Path adapter(StudyContext context, String model) {
        Path dir = context.artefacts(step).resolve(model).resolve(ADAPTER);
        if (!Files.isRegularFile(dir.resolve(LoraAdapter.CONFIG_FILE)) || !Files.isRegularFile(dir.resolve(LoraAdapter.WEIGHTS_FILE))) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path() + "." + SETTING + ": step '" + step
                    + "' left no adapter for model '" + model + "' at " + dir + " (expected " + LoraAdapter.CONFIG_FILE + " and "
                    + LoraAdapter.WEIGHTS_FILE + "); train this model in that step, or leave it out of models");
        }
        return dir;
    }

    /**
     * Returns the trained model: the study model with its final adapter merged, a separate variant.
     *
     * @param context the study
     * @param model the study model's name
     * @return the trained model, closed by the study
     */
    public Model trained(StudyContext context, String model) {
        return context.model(model, LoadOptions.withAdapter(adapter(context, model)));
    }

    /**
     * Returns the trained model as a forward request's model key: the same variant as {@link #trained}.
     *
     * @param context the study
     * @param model the study model's name
     * @return the variant's {@link ModelRef#key()}
     */
    public String key(StudyContext context, String model) {
        return new ModelRef(model, LoadOptions.withAdapter(adapter(context, model))).key();
    }

    /**
     * Returns the trained model's key as a plan built before the training step has run names it (a dry
     * run, {@link io.interp4j.api.experiment.Experiment#plans}): a variant of the study model whose
     * adapter path is a placeholder for the one {@link #key} returns once the step has written it. A
     * plan's size does not depend on the path, and a dry run prices a variant as its base model.
     *
     * @param model the study model's name
     * @return a variant key, distinct from the base model's
     */
    public String plannedKey(String model) {
        return new ModelRef(model, LoadOptions.withAdapter(Path.of(step, model, ADAPTER))).key();
    }

    /**
     * Describes the trained models for a step's one-line description.
     *
     * @return e.g. {@code base + the adapters of step 'lora-training'}
     */
    public String describe() {
        return "base + the LoRA adapters of step '" + step + "'";
    }
}
