package io.interp4j.app.study;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.app.plugins.PluginRegistry;
import java.nio.file.Path;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlansSink;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.app.cli.NonFinite;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A step's view of its study; without a model pool (during validation) no model can be loaded. */
final class StudyContextImpl implements StudyContext {

    private final StudyPlan plan;
    private final PluginRegistry registry;
    private final StudyPlan.StepSpec step;
    private final ModelPool pool;
    private final StepStore store;
    private final InterventionCheck check = new InterventionCheck();
    private final Set<String> used = new java.util.TreeSet<>();
    private long forwardsRun;
    private long nonFiniteForwards;
    private final PlanExecutor executor;
    private Map<String, String> unreadableSuites = Map.of();
    /** The steps before this one while the study is validated (its plan has no steps yet); null: the plan's. */
    private List<StudyPlan.StepSpec> earlier;

    StudyContextImpl(StudyPlan plan, PluginRegistry registry, StudyPlan.StepSpec step, ModelPool pool) {
        this(plan, registry, step, pool, null, plan.forwards().create());
    }

    /**
     * A step's context while the study is validated, knowing which declared suites could not be read (name → config path)
     * and the steps validated before it.
     */
    static StudyContextImpl validating(StudyPlan plan, PluginRegistry registry, StudyPlan.StepSpec step, Map<String, String> unreadableSuites,
            List<StudyPlan.StepSpec> earlier) {
        StudyContextImpl context = new StudyContextImpl(plan, registry, step, null);
        context.unreadableSuites = Map.copyOf(unreadableSuites);
        context.earlier = List.copyOf(earlier);
        return context;
    }

    /** A running step's context, whose forward plans run on {@code executor}. */
    StudyContextImpl(StudyPlan plan, PluginRegistry registry, StudyPlan.StepSpec step, ModelPool pool, StepStore store, PlanExecutor executor) {
        this.plan = plan;
        this.registry = registry;
        this.step = step;
        this.pool = pool;
        this.store = store;
        this.executor = executor;
    }

    @Override
    public String path() {
        return step.path() + ".settings";
    }

    @Override
    public Set<String> modelNames() {
        return plan.models().keySet();
    }

    @Override
    public ModelConfig modelConfig(String name) {
        StudyPlan.ModelSpec spec = plan.models().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + modelNames());
        }
        return spec.config();
    }

    @Override
    public Model model(String name) {
        if (pool == null) {
            throw new IllegalStateException("models are not loaded while a study is validated");
        }
        return pool.get(name);
    }

    @Override
    public void forwards(ForwardPlan forwardPlan, Progress progress, ReadoutSink sink) {
        executor.execute(forwardPlan, this::resolve, progress, (index, readout) -> {
            observe(forwardPlan.requests().get(index), readout);
            sink.accept(index, readout);
        });
    }

    @Override
    public void forwards(List<ForwardPlan> plans, Progress progress, PlansSink sink) {
        executor.execute(plans, this::resolve, progress, (plan, index, readout) -> {
            observe(plans.get(plan).requests().get(index), readout);
            sink.accept(plan, index, readout);
        });
    }

    /** Feeds a readout to the step's intervention check and counts it. */
    private void observe(ForwardRequest request, ForwardReadout readout) {
        check.observe(request, readout);
        forwardsRun++;
        if (readout.logits() != null && NonFinite.count(readout.logits().data()) > 0) {
            nonFiniteForwards++;
        }
    }

    /**
     * Returns what the step's forwards showed about its interventions.
     *
     * @return the check, fed by every plan this context ran
     */
    InterventionCheck interventionCheck() {
        return check;
    }

    /** How many planned forwards this context ran. */
    long forwardsRun() {
        return forwardsRun;
    }

    /** How many of them produced NaN or infinite logits. */
    long nonFiniteForwards() {
        return nonFiniteForwards;
    }

    /**
     * A request's model: a study model, or a variant of one ({@link ModelRef#key()}), loaded on the engine
     * the study's forward plans run on.
     */
    private Model resolve(String key) {
        if (pool == null) {
            throw new IllegalStateException("models are not loaded while a study is validated");
        }
        ModelRef ref = ModelRef.parse(key);
        return ref.variant() ? pool.forPlans(ref.name(), ref.options()) : pool.forPlans(ref.name());
    }

    /**
     * A loaded model's tokenizer; before models load (validation, dry runs) the directory's
     * tokenizer.json, or for a model the study will create, the byte-level tokenizer its recipe writes.
     */
    @Override
    public Tokenizer tokenizer(String name) {
        if (pool != null) {
            return pool.tokenizer(name);
        }
        StudyPlan.ModelSpec spec = plan.models().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + modelNames());
        }
        return Tokenizers.read(spec);
    }

    @Override
    public java.util.Optional<String> unreadableSuite(String name) {
        return java.util.Optional.ofNullable(unreadableSuites.get(name));
    }

    @Override
    public Set<String> suiteNames() {
        return plan.suites().keySet();
    }

    @Override
    public TaskSuite suite(String name) {
        StudyPlan.SuiteSpec spec = plan.suites().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown suite '" + name + "'; the study has " + suiteNames());
        }
        return spec.suite();
    }

    @Override
    public List<Problem> checkPlugin(PluginKind kind, String id, Config settings, String path) {
        return registry.problems(kind, id, settings, path);
    }

    @Override
    public Probe probe(String id, Config settings) {
        return registry.probe(use(PluginKind.PROBE, id), settings);
    }

    @Override
    public InterventionPlan intervention(String id, Config settings) {
        return registry.intervention(use(PluginKind.INTERVENTION, id), settings);
    }

    @Override
    public Metric metric(String id, Config settings) {
        return registry.metric(use(PluginKind.METRIC, id), settings);
    }

    @Override
    public InterventionContext.ProbeRunner probes() {
        return (id, settings, context) -> registry.probe(use(PluginKind.PROBE, id), settings).run(context);
    }

    /** Notes a plugin the step creates, for its fingerprint (a changed plugin reruns the steps that used it). */
    private String use(PluginKind kind, String id) {
        synchronized (used) {
            used.add(PluginProvenance.key(kind, id));
        }
        return id;
    }

    /** The plugins the step has created so far, as {@code kind/id}, sorted. */
    List<String> usedPlugins() {
        synchronized (used) {
            return List.copyOf(used);
        }
    }

    @Override
    public long seed() {
        return plan.seed();
    }

    @Override
    public Model model(String name, LoadOptions options) {
        if (pool == null) {
            throw new IllegalStateException("models are not loaded while a study is validated");
        }
        return pool.get(name, options);
    }

    @Override
    public void release(String name, LoadOptions options) {
        if (pool != null) {
            pool.release(name, options);
        }
    }

    @Override
    public Path artefacts() {
        if (store == null) {
            throw new IllegalStateException("no artefacts while a study is validated");
        }
        return store.artefacts(step);
    }

    @Override
    public Optional<Experiment> earlierStep(String stepId) {
        if (!step.experiment().dependsOn().contains(stepId)) {
            return Optional.empty();
        }
        List<StudyPlan.StepSpec> before = earlier != null ? earlier : plan.steps().stream().filter(s -> s.index() < step.index()).toList();
        return before.stream().filter(s -> s.id().equals(stepId)).findFirst().map(StudyPlan.StepSpec::experiment);
    }

    @Override
    public Path artefacts(String stepId) {
        if (store == null) {
            throw new IllegalStateException("no artefacts while a study is validated");
        }
        if (!step.experiment().dependsOn().contains(stepId)) {
            throw new Interp4jException(List.of(new Problem(path(), "step '" + step.id() + "' reads the artefacts of step '"
                    + stepId + "' without naming it in dependsOn() " + step.experiment().dependsOn())));
        }
        StudyPlan.StepSpec other = plan.steps().stream().filter(s -> s.id().equals(stepId)).findFirst().orElseThrow(() ->
                new Interp4jException(List.of(new Problem(path(), "no step '" + stepId + "'"))));
        return store.artefacts(other);
    }

    @Override
    public java.util.Optional<io.interp4j.api.train.LoraTrainer> loraTrainer(String name) {
        StudyPlan.ModelSpec spec = plan.models().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + modelNames());
        }
        return registry.engine(spec.engine()).loraTrainer();
    }
}
