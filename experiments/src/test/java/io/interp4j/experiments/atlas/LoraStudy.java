package io.interp4j.experiments.atlas;

import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.RandomAdapters;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link TinyStudy} for the rows that study base + LoRA: a fourth model {@code deep} (4 blocks), a
 * suite {@code knockout} (families positive, negative, skill, non-skill), a suite {@code families} (the
 * tasks of {@code main}, under the name the rows default to), and random adapters with
 * non-zero B for {@code main} and {@code deep} where the step {@value #STEP} leaves them.
 */
public final class LoraStudy {
    /** The training step's id. */
    public static final String STEP = "lora-training";
    /** The architecture of {@code deep}: as the study's models, with 4 blocks. */
    public static final ModelConfig DEEP = ModelConfig.of(300, 32, 64, 4, 4, 2, false);
    /** The adapters' rank. */
    public static final int RANK = 4;
    /** The adapters' lora_alpha. */
    public static final double ALPHA = 8;

    private LoraStudy() {}

    /**
     * Writes the study.
     *
     * @param dir an empty directory
     * @return the study
     */
    public static TinyStudy create(Path dir) {
        TinyStudy study = new TinyStudy(dir, new Planner(PlannerOptions.DEFAULTS)).addModel("deep", DEEP, 3).addSuite(knockout());
        study.addSuite(new TaskSuite("families", study.suite("main").tasks()));
        RandomAdapters.write(adapter(study, STEP, "main"), TinyStudy.CONFIG, RANK, ALPHA, 1, new double[] {0.4, 0.8}, 11);
        RandomAdapters.write(adapter(study, STEP, "deep"), DEEP, RANK, ALPHA, 1, new double[] {0.2, 0.9, 0.4, 1.2}, 12);
        return study;
    }

    /**
     * Returns where a training step leaves a model's final adapter.
     *
     * @param study the study
     * @param step the training step
     * @param model the model
     * @return {@code <artefacts of step>/model/adapter}
     */
    public static Path adapter(TinyStudy study, String step, String model) {
        return study.artefacts(step).resolve(model).resolve("adapter");
    }

    /**
     * Loads base + adapter on its own, outside the study, for independent computations.
     *
     * @param study the study
     * @param step the training step
     * @param model the model
     * @return the trained model, to be closed
     */
    public static Model trained(TinyStudy study, String step, String model) {
        return new DjlEngineProvider().load(Checkpoint.open(study.raw(model).directory()),
                LoadOptions.withAdapter(adapter(study, step, model)));
    }

    private static TaskSuite knockout() {
        return new TaskSuite("knockout", List.of(
                task("p0", "positive", "The capital of Italy is Rome.", "x"),
                task("p1", "positive", "The capital of Spain is Madrid.", "x"),
                task("p2", "positive", "The capital of France is Paris.", "x"),
                task("n0", "negative", "Italy is a country in Europe.", "x"),
                task("n1", "negative", "Spain has a long coast.", "x"),
                task("n2", "negative", "France borders Spain.", "x"),
                task("s0", "skill", "The capital of Italy is", " Rome"),
                task("s1", "skill", "The capital of Spain is", " Madrid"),
                task("s2", "skill", "The capital of Peru is", " Lima"),
                task("k0", "non-skill", "Return JSON with key name for Bob:", "{"),
                task("k1", "non-skill", "ABCD ABCD AB", "CD")));
    }

    private static Task task(String id, String family, String prompt, String target) {
        return new Task(id, family, prompt, target, Optional.empty(), Optional.empty(), "test", Map.of());
    }
}
