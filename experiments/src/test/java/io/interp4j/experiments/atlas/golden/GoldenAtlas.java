package io.interp4j.experiments.atlas.golden;

import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.ToySuites;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A reduced atlas, run once: the fourteen steps of {@code studies/atlas.conf} in its order, on two
 * tiny random models ({@code main}, 2 blocks; {@code deep}, 4 blocks) with the toy organisms' suites
 * cut down ({@link #families()}, ...), each step with its {@link GoldenRow}'s settings. The
 * {@code lora-training} step really trains, and the later steps read its artefacts as in the app.
 */
public final class GoldenAtlas {
    /** The steps, in the order of studies/atlas.conf. */
    public static final List<String> STEPS = List.of("architecture", "universal-hub", "mlp-dominance", "head-specialisation",
            "steering-leverage", "layer-skipping", "early-exit", "lora-training", "skill-knockout", "cross-model-transfer",
            "adapter-norm-effect", "circuit-lock-in", "json-training-shift", "vibe-check");
    /** The models every step compares. */
    public static final List<String> MODELS = List.of("main", "deep");
    /** The prompts per family kept from the toy families suite. */
    public static final int PER_FAMILY = 2;
    /** The generation prompts kept. */
    public static final int GENERATION_PROMPTS = 6;
    /** The organisms' seed whose suites are cut down. */
    public static final long SEED = 1;

    private final TinyStudy study;
    private final Map<String, GoldenRow> rows = new LinkedHashMap<>();
    private final Map<String, StepResult> results = new LinkedHashMap<>();
    private final Map<String, Throwable> failures = new LinkedHashMap<>();

    /**
     * Writes the study and runs every step that has a golden row.
     *
     * @param dir an empty directory
     */
    public GoldenAtlas(Path dir) {
        study = new TinyStudy(dir, new Planner(PlannerOptions.DEFAULTS)).addModel("deep", io.interp4j.api.model.ModelConfig.of(300, 32, 64, 4, 4, 2, false), 3);
        Map<String, TaskSuite> toy = ToySuites.generate(SEED);
        study.addSuite(cut(toy.get("families"), PER_FAMILY));
        study.addSuite(toy.get("steering"));
        study.addSuite(toy.get("knockout"));
        study.addSuite(loraJson(toy.get("lora-json")));
        study.addSuite(new TaskSuite("generation", toy.get("generation").tasks().subList(0, GENERATION_PROMPTS)));
        for (String id : STEPS) {
            row(id).ifPresent(row -> rows.put(id, row));
        }
        for (Map.Entry<String, GoldenRow> e : rows.entrySet()) {
            String id = e.getKey();
            try {
                Experiment experiment = Steps.create(id, "models = [" + String.join(", ", MODELS) + "]\n" + e.getValue().settings());
                assertThat(experiment.validate(study.step(id))).extracting(Object::toString).as(id + ": validation").isEmpty();
                results.put(id, experiment.run(study, Progress.none()));
            } catch (RuntimeException | AssertionError failure) {
                failures.put(id, failure);
            }
        }
    }

    /** The first {@code n} tasks of each family, in suite order. */
    private static TaskSuite cut(TaskSuite suite, int n) {
        Map<String, Integer> kept = new LinkedHashMap<>();
        List<Task> tasks = new ArrayList<>();
        for (Task t : suite.tasks()) {
            if (kept.merge(t.family(), 1, Integer::sum) <= n) {
                tasks.add(t);
            }
        }
        return new TaskSuite(suite.name(), tasks);
    }

    /** One training example (so every training step sees it, and the final loss is its loss) and the held-out ones. */
    private static TaskSuite loraJson(TaskSuite suite) {
        List<Task> tasks = new ArrayList<>();
        suite.tasks().stream().filter(t -> !t.split().equals("test")).findFirst().ifPresent(tasks::add);
        suite.tasks().stream().filter(t -> t.split().equals("test")).forEach(tasks::add);
        return new TaskSuite(suite.name(), tasks);
    }

    private static Optional<GoldenRow> row(String id) {
        StringBuilder name = new StringBuilder(GoldenAtlas.class.getPackageName()).append('.');
        for (String part : id.split("-")) {
            name.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        name.append("Golden");
        try {
            return Optional.of((GoldenRow) Class.forName(name.toString()).getConstructor().newInstance());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(name + ": cannot create the golden row", e instanceof InvocationTargetException i ? i.getCause() : e);
        }
    }

    /**
     * Returns the golden row of a step.
     *
     * @param id the step
     * @return the row, if its class exists
     */
    public Optional<GoldenRow> goldenRow(String id) {
        return Optional.ofNullable(rows.get(id));
    }

    /**
     * Returns a step's result, failing with the step's own error if it did not run.
     *
     * @param id the step
     * @return the result
     */
    public StepResult result(String id) {
        if (failures.containsKey(id)) {
            throw new AssertionError(id + " failed in the golden run", failures.get(id));
        }
        StepResult result = results.get(id);
        if (result == null) {
            throw new AssertionError(id + " did not run (no golden row)");
        }
        return result;
    }

    /**
     * Returns the study: its models ({@link TinyStudy#raw} for the engine's own, uncounted), suites and
     * artefacts ({@link TinyStudy#artefacts(String)} by step id).
     *
     * @return the study
     */
    public TinyStudy study() {
        return study;
    }

    /**
     * Returns a suite of the golden run.
     *
     * @param name families, steering, knockout, lora-json or generation
     * @return the suite
     */
    public TaskSuite suite(String name) {
        return study.suite(name);
    }
}
