package io.interp4j.experiments.atlas.lora;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.experiments.atlas.TrainedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The artefact layout of the {@code lora-training} step, which the rows studying the trained model
 * read: per study model {@code M}, {@code M/adapter/} (the final PEFT adapter, read through {@link
 * TrainedModels}), {@code M/checkpoint-<step>/} (the adapters saved after the configured steps) and
 * {@code M/losses.json} (the loss curve, timings and recipe).
 */
public final class TrainingArtefacts {
    /** The prefix of a checkpoint's folder, inside a model's folder. */
    public static final String CHECKPOINT_PREFIX = "checkpoint-";
    /** The loss curve's file, inside a model's folder. */
    public static final String LOSSES = "losses.json";

    private TrainingArtefacts() {}

    /**
     * Returns a model's final adapter.
     *
     * @param root the training step's artefact folder
     * @param model the study model's name
     * @return {@code root/model/adapter}
     */
    public static Path adapter(Path root, String model) {
        return root.resolve(model).resolve(TrainedModels.ADAPTER);
    }

    /**
     * Returns a model's adapter saved after a step.
     *
     * @param root the training step's artefact folder
     * @param model the study model's name
     * @param step the optimizer step
     * @return {@code root/model/checkpoint-step}
     */
    public static Path checkpoint(Path root, String model, int step) {
        return root.resolve(model).resolve(CHECKPOINT_PREFIX + step);
    }

    /**
     * Returns the steps of a model's saved checkpoints.
     *
     * @param root the training step's artefact folder
     * @param model the study model's name
     * @return the steps, ascending; empty when there are none
     */
    public static List<Integer> checkpointSteps(Path root, String model) {
        Path dir = root.resolve(model);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        TreeSet<Integer> steps = new TreeSet<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches(CHECKPOINT_PREFIX + "[1-9][0-9]{0,8}"))
                    .forEach(n -> steps.add(Integer.parseInt(n.substring(CHECKPOINT_PREFIX.length()))));
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, dir + ": cannot list the checkpoints: " + e.getMessage(), e);
        }
        return List.copyOf(steps);
    }

    /**
     * Returns the adapter a training step saved after a step, checking that it was written.
     *
     * @param context the study
     * @param trained the training step
     * @param model the study model's name
     * @param step the optimizer step
     * @param key the setting that asks for it, for the message (e.g. {@code checkpoints})
     * @return the PEFT adapter directory
     */
    public static Path requireCheckpoint(StudyContext context, TrainedModels trained, String model, int step, String key) {
        Path root = context.artefacts(trained.step());
        Path dir = checkpoint(root, model, step);
        if (!Files.isRegularFile(dir.resolve(LoraAdapter.CONFIG_FILE)) || !Files.isRegularFile(dir.resolve(LoraAdapter.WEIGHTS_FILE))) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path() + "." + key + ": step '" + trained.step()
                    + "' saved no checkpoint after step " + step + " for model '" + model + "' (" + dir + "); it saved "
                    + checkpointSteps(root, model) + ". Add the step to that step's checkpoints, or leave it out here");
        }
        return dir;
    }
}
