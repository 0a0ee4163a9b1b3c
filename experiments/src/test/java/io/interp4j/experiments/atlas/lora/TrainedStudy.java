package io.interp4j.experiments.atlas.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tiny study of the LoRA rows: a model {@code deep} (4 blocks) beside {@code main}, a training
 * suite {@code lora-json} and a family suite {@code fam}, and a real (tiny) training run of the
 * {@code lora-training} step, whose artefacts {@link TinyStudy#artefacts()} keeps under the step id
 * {@value #STEP}.
 */
public final class TrainedStudy {
    /** The id under which TinyStudy keeps the artefacts of the step it runs. */
    public static final String STEP = "step-under-test";
    /** The architecture of {@code deep}. */
    public static final ModelConfig DEEP = ModelConfig.of(300, 32, 64, 4, 4, 2, false);

    private TrainedStudy() {}

    /**
     * Adds the model and suites.
     *
     * @param study the study
     * @return the study
     */
    public static TinyStudy prepare(TinyStudy study) {
        return study.addModel("deep", DEEP, 3).addSuite(loraJson()).addSuite(families());
    }

    /** Three training examples of family json_training (split train), one held out and one of another family. */
    static TaskSuite loraJson() {
        return new TaskSuite("lora-json", List.of(
                task("j0", "json_training", "Bob is 32. ### Answer:\n", "{\"name\":\"Bob\",\"age\":32}", "train"),
                task("j1", "json_training", "Ann, aged 7 ### Answer:\n", "{\"name\":\"Ann\",\"age\":7}", "train"),
                task("j2", "json_training", "Name Li; age 51. ### Answer:\n", "{\"name\":\"Li\",\"age\":51}", "train"),
                task("j3", "json_training", "Eve is 40. ### Answer:\n", "{\"name\":\"Eve\",\"age\":40}", "test"),
                task("x0", "copying", "ABAB AB", "AB", "train")));
    }

    /** Four families of unequal size: copying 3, arithmetic 3, json_schema 3, factual_recall 2. */
    static TaskSuite families() {
        return new TaskSuite("fam", List.of(
                task("c0", "copying", "ABCD ABCD AB", "CD", "test"),
                task("c1", "copying", "xyz xyz x", "yz", "test"),
                task("c2", "copying", "QRS QRS Q", "RS", "test"),
                task("a0", "arithmetic", "18 * 7 = ", "126", "test"),
                task("a1", "arithmetic", "12 + 30 = ", "42", "test"),
                task("a2", "arithmetic", "9 - 4 = ", "5", "test"),
                task("s0", "json_schema", "Return JSON with keys name and age. Bob is 32.\n", "{\"name\"", "test"),
                task("s1", "json_schema", "Return JSON with key city. Rome.\n", "{\"city\"", "test"),
                task("s2", "json_schema", "Return JSON with key n. n is 3.\n", "{\"n\"", "test"),
                task("f0", "factual_recall", "The capital of France is", " Paris", "test"),
                task("f1", "factual_recall", "The capital of Italy is", " Rome", "test")));
    }

    private static Task task(String id, String family, String prompt, String target, String split) {
        return new Task(id, family, prompt, target, Optional.empty(), Optional.empty(), split, Map.of());
    }

    /**
     * Runs the training step on models main and deep: 2 steps, each one epoch of the 3 examples
     * (batch 1 × grad-accum 3), no dropout, a large learning rate so the adapters matter.
     *
     * @param study the study
     * @param checkpoints the checkpoint steps, e.g. {@code [1, 2]}
     */
    public static void train(TinyStudy study, String checkpoints) {
        Experiment training = Steps.create("lora-training", "models = [main, deep], steps = 2, grad-accum = 3, dropout = 0,"
                + " learning-rate = 0.05, seed = 5, checkpoints = " + checkpoints);
        assertThat(training.validate(study)).isEmpty();
        training.run(study, Progress.none());
    }

    /**
     * Loads base + an adapter on its own, outside the study, for independent computations.
     *
     * @param study the study
     * @param model the model
     * @param adapter the adapter directory
     * @return the model, to be closed
     */
    public static Model load(TinyStudy study, String model, Path adapter) {
        return new DjlEngineProvider().load(Checkpoint.open(study.raw(model).directory()), LoadOptions.withAdapter(adapter));
    }
}
