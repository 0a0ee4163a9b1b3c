package io.interp4j.api.experiment;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.api.train.LoraTrainer;
import java.nio.file.Path;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.PlansSink;
import io.interp4j.api.plan.ReadoutSink;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a step sees of its study: named models (configs before loading, models on first use), named
 * task suites, the other plugins, the seed, and the config path of the step for messages.
 *
 * @since 0.1
 */
@Stable
public interface StudyContext {
    /**
     * Returns the config path of this step's settings, for messages.
     *
     * @return e.g. {@code study.steps[2].settings}
     */
    String path();

    /**
     * Returns the study's model names.
     *
     * @return the names
     */
    Set<String> modelNames();

    /**
     * Returns a model's architecture without loading it.
     *
     * @param name the model's name in the study
     * @return the config
     */
    ModelConfig modelConfig(String name);

    /**
     * Returns a model, loading it on first use; the study closes it.
     *
     * @param name the model's name in the study
     * @return the model
     */
    Model model(String name);

    /**
     * Runs forward requests on the study's models (a request's model is a model name of the study, or
     * a variant's {@link io.interp4j.api.plan.ModelRef#key()}: an adapter on top, a quantisation, loaded
     * as {@link #model(String, LoadOptions)} loads it) and hands each request's readout to a sink as soon
     * as it is ready. The study chooses the executor ({@code study.forwards}): by default the planner,
     * which batches the requests, runs each clean prompt once and starts intervened forwards at the first
     * layer they touch; every executor reads what one forward per request would read, within float
     * tolerance. Progress advances by one per request. Large plans use this form: no readout is kept
     * after the sink returns.
     *
     * @param plan the requests
     * @param progress advanced as readouts become ready
     * @param sink takes every readout once, in the executor's order (see {@link io.interp4j.api.plan.ReadoutSink})
     * @since 0.3
     */
    default void forwards(ForwardPlan plan, Progress progress, ReadoutSink sink) {
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "this study context cannot run forward plans");
    }

    /**
     * Runs several independent forward plans (none reads another's readouts) as {@link
     * #forwards(ForwardPlan, Progress, ReadoutSink)} runs one, handing every readout to a sink with its
     * plan's index, all of one plan's before any of the next plan's. A step with many plans hands them
     * over together: the study's executor may then run a plan while it delivers the one before (the Spark
     * runner does, so that no core waits for a plan's last partition); by default they run one after
     * another.
     *
     * @param plans the plans, in the order their readouts are delivered
     * @param progress advanced as readouts become ready
     * @param sink takes every readout once (see {@link io.interp4j.api.plan.PlansSink})
     * @since 0.3
     */
    default void forwards(List<ForwardPlan> plans, Progress progress, PlansSink sink) {
        for (int p = 0; p < plans.size(); p++) {
            forwards(plans.get(p), progress, sink.of(p));
        }
    }

    /**
     * Runs forward requests as {@link #forwards(ForwardPlan, Progress, ReadoutSink)} does and returns
     * every readout, in order: for plans whose readouts fit in memory together.
     *
     * @param plan the requests
     * @param progress advanced as readouts become ready
     * @return the readouts
     */
    default List<ForwardReadout> forwards(ForwardPlan plan, Progress progress) {
        ForwardReadout[] readouts = new ForwardReadout[plan.size()];
        forwards(plan, progress, (index, readout) -> readouts[index] = readout);
        return Arrays.asList(readouts);
    }

    /**
     * Returns a model's tokenizer without loading its weights, so that a step can build (and count)
     * its forward plans before anything runs.
     *
     * @param name the model's name in the study
     * @return the tokenizer
     * @throws Interp4jException when the model has no {@code tokenizer.json}
     */
    default Tokenizer tokenizer(String name) {
        return model(name).requireTokenizer();
    }

    /**
     * Returns the study's suite names.
     *
     * @return the names
     */
    Set<String> suiteNames();

    /**
     * Tells whether a suite the study declares could not be read (its file is missing or malformed): it
     * is not among {@link #suiteNames()}, and a step that names it should say so rather than call it
     * unknown.
     *
     * @param name the suite's name
     * @return the config path under which the study reports the suite's problem (e.g. {@code
     *     study.suites.main.file}); empty when the suite was read or was never declared
     * @since 0.1
     */
    default java.util.Optional<String> unreadableSuite(String name) {
        return java.util.Optional.empty();
    }

    /**
     * Returns a task suite.
     *
     * @param name the suite's name in the study
     * @return the suite
     */
    TaskSuite suite(String name);

    /**
     * Checks a plugin's id and settings without creating it.
     *
     * @param kind the kind
     * @param id the id
     * @param settings the user's settings for it
     * @param path the config path of those settings: the problems are reported under it
     * @return problems, empty if none
     */
    List<Problem> checkPlugin(PluginKind kind, String id, Config settings, String path);

    /**
     * Creates a probe.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the probe
     */
    Probe probe(String id, Config settings);

    /**
     * Creates an intervention plan.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the plan
     */
    InterventionPlan intervention(String id, Config settings);

    /**
     * Creates a metric.
     *
     * @param id the id
     * @param settings the user's settings
     * @return the metric
     */
    Metric metric(String id, Config settings);

    /**
     * Returns a probe runner backed by the study's plugins, for intervention contexts.
     *
     * @return the runner
     */
    InterventionContext.ProbeRunner probes();

    /**
     * Returns the study's seed.
     *
     * @return the seed
     */
    long seed();

    /**
     * Returns a variant of a study model loaded with other options: an adapter on top (e.g. one an
     * earlier step trained, see {@link #artefacts(String)}) and/or a quantisation scheme. The
     * variant's options replace the model's own adapter and quantisation; it is a separate object
     * (the plain model never sees the adapter), loaded on first use and closed by the study when the
     * step ends (variants do not outlive the step that loaded them).
     *
     * @param name the model's name in the study
     * @param options the adapter and quantisation of the variant
     * @return the variant
     */
    default Model model(String name, LoadOptions options) {
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "this study context cannot load model variants");
    }

    /**
     * Closes a variant that {@link #model(String, LoadOptions)} loaded, before the step ends, so that a
     * step walking through many variants (the checkpoints of a training run, quantisation schemes) holds
     * one at a time: on a real model each is a full float copy. Asking for it again loads it anew. A
     * variant that is not loaded, or a context without variants, ignores the call.
     *
     * @param name the model's name in the study
     * @param options the options the variant was loaded with
     */
    default void release(String name, LoadOptions options) {}

    /**
     * Returns this step's artefact folder (adapters, checkpoints, generations), created empty when
     * the step starts. Files written there belong to the step's result: they are kept while the
     * step's stored result is reused and replaced when it runs again.
     *
     * @return the folder
     */
    default Path artefacts() {
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "this study context keeps no artefacts");
    }

    /**
     * Returns the artefact folder of an earlier step, which this step must name in
     * {@link Experiment#dependsOn()} (so that its result is invalidated when that step's changes).
     *
     * @param stepId the earlier step's id
     * @return the folder
     */
    default Path artefacts(String stepId) {
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "this study context keeps no artefacts");
    }

    /**
     * Returns an earlier step of the study as configured, so that a step reading its artefacts can check
     * before anything runs that the step will write what it reads (e.g. an adapter for each of its
     * models). Only steps this step names in {@link Experiment#dependsOn()} are returned.
     *
     * @param stepId the earlier step's id
     * @return its experiment, or empty when there is no such earlier step or this context does not know it
     * @since 0.2
     */
    default Optional<Experiment> earlierStep(String stepId) {
        return Optional.empty();
    }

    /**
     * Returns the LoRA trainer of the engine that runs a study model, to train adapters on that
     * model (as {@link #model(String)} returns it). Loads no model, so validation may ask.
     *
     * @param name the model's name in the study
     * @return the trainer, or empty when the model's engine cannot train
     */
    default Optional<LoraTrainer> loraTrainer(String name) {
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "this study context cannot train adapters");
    }
}
