package io.interp4j.app.study;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.app.randommodel.RandomModelRecipe;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.planner.PlainExecutor;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A validated study: everything resolved, nothing run.
 *
 * @param file the study file
 * @param config the layered, resolved configuration (system properties over the file over the plugins' reference.conf)
 * @param name the study's name
 * @param seed the study's seed
 * @param models models by name, in file order
 * @param suites suites by name, in file order
 * @param steps the steps, in order
 * @param formats the report formats
 * @param forwards how the steps' forward plans run
 */
record StudyPlan(
        Path file,
        Config config,
        String name,
        long seed,
        Map<String, ModelSpec> models,
        Map<String, SuiteSpec> suites,
        List<StepSpec> steps,
        Set<String> formats,
        ForwardsSpec forwards) {

    /**
     * How the steps' forward plans run ({@code study.forwards}).
     *
     * @param executor {@code planned} (batched, prefixes reused, only read logits unembedded) or {@code plain}
     *     (one forward per request: the reference path)
     * @param engine the engine the plans run on, if not each model's own: the models are loaded a second time
     *     on it, while the steps' own work (training, generation, reading weights) stays on the model's engine
     * @param options the planner's batch and cache bounds
     */
    record ForwardsSpec(String executor, Optional<String> engine, PlannerOptions options) {
        /** The planner with its default bounds, on each model's own engine. */
        static final ForwardsSpec DEFAULTS = new ForwardsSpec("planned", Optional.empty(), PlannerOptions.DEFAULTS);

        /**
         * The engine a model's forward plans run on.
         *
         * @param model the model
         * @return {@link #engine()} if set, else the model's own
         */
        String engineOf(ModelSpec model) {
            return engine.orElse(model.engine());
        }

        /**
         * Returns the executor this spec names.
         *
         * @return a new executor
         */
        PlanExecutor create() {
            return executor.equals("plain") ? new PlainExecutor() : new Planner(options);
        }
    }

    /**
     * A model of the study.
     *
     * @param name its name
     * @param path its directory
     * @param engine the engine id
     * @param create the recipe that writes it when the directory does not exist yet
     * @param config its architecture (read, or from the recipe)
     * @param adapter a PEFT LoRA adapter merged into the weights, if any
     * @param quantization the weight-only quantisation
     */
    record ModelSpec(String name, Path path, String engine, Optional<RandomModelRecipe> create, ModelConfig config, Optional<Path> adapter,
            Quantization quantization) {}

    /**
     * A task suite of the study.
     *
     * @param name its name
     * @param source where it came from ({@code builtin:NAME} or a file path)
     * @param suite the tasks
     */
    record SuiteSpec(String name, String source, TaskSuite suite) {}

    /**
     * A step of the study.
     *
     * @param index 0-based position
     * @param id the step's id
     * @param experimentId the experiment plugin
     * @param settings the resolved settings
     * @param experiment the created experiment
     */
    record StepSpec(int index, String id, String experimentId, Config settings, Experiment experiment) {
        String path() {
            return "study.steps[" + index + "]";
        }
    }
}
