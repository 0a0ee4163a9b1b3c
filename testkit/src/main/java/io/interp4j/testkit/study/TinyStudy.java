package io.interp4j.testkit.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginFactory;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.train.LoraTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plan.PlansSink;
import io.interp4j.api.plan.ReadoutSink;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * A fake study for plugin tests, inside the repository and out: tiny random Qwen2 models written into
 * a temporary directory and loaded by an engine found with {@link ServiceLoader} ({@code djl} when it
 * is there; put an engine jar such as {@code interp4j-engine-djl} on the test class path), task
 * suites built in code, and the probe, intervention and metric plugins on the class path found with
 * {@link ServiceLoader} and configured with {@link PluginSettings#resolve}, as the app does. Forward
 * plans run on the {@link PlanExecutor} it is given (the app's {@code Planner} or {@code PlainExecutor}
 * from {@code interp4j-planner}). Every forward through a model handed out by {@link #model} is
 * counted; models are loaded on first use.
 */
public final class TinyStudy implements StudyContext, AutoCloseable {
    /** The architecture of the study's models: vocab 300, d_model 32, d_mlp 64, 2 blocks, 4 heads / 2 KV heads. */
    public static final ModelConfig CONFIG = ModelConfig.of(300, 32, 64, 2, 4, 2, false);
    /** The config path of the step under test. */
    public static final String PATH = "study.steps[1].settings";

    private final Map<String, Path> directories = new TreeMap<>();
    private final Map<String, ModelConfig> configs = new TreeMap<>();
    private final Map<String, CountedModel> loaded = new LinkedHashMap<>();
    private final Map<String, CountedModel> variants = new LinkedHashMap<>();
    private final Path root;
    private final Map<String, TaskSuite> suites = new TreeMap<>();
    private final Map<PluginKind, Map<String, PluginFactory<?>>> factories = new LinkedHashMap<>();
    private final EngineProvider engine;
    private final Optional<PlanExecutor> executor;
    private final Config reference = ConfigFactory.defaultReference(PluginSettings.class.getClassLoader());
    private long forwards;
    private String currentStep = "step-under-test";

    /**
     * A study that runs no forward plans ({@link #forwards} fails naming what is missing); see {@link
     * #TinyStudy(Path, PlanExecutor)}.
     *
     * @param dir an empty directory
     */
    public TinyStudy(Path dir) {
        this(dir, Optional.empty());
    }

    /**
     * Writes three models: {@code main} and {@code other} (seeds 1 and 2) and {@code untokenized}
     * (no tokenizer.json), and builds suites {@code main} and {@code countries}.
     *
     * @param dir an empty directory
     * @param executor runs the forward plans of {@link #forwards}
     */
    public TinyStudy(Path dir, PlanExecutor executor) {
        this(dir, Optional.of(executor));
    }

    private TinyStudy(Path dir, Optional<PlanExecutor> executor) {
        this.root = dir;
        this.executor = executor;
        this.engine = engine();
        for (String name : List.of("main", "other", "untokenized")) {
            Path model = dir.resolve(name);
            configs.put(name, RandomCheckpoint.write(model, CONFIG, DType.F32, name.equals("other") ? 2 : 1));
            directories.put(name, model);
        }
        try {
            Files.delete(dir.resolve("untokenized").resolve(Checkpoint.TOKENIZER_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        suites.put("main", mainSuite());
        suites.put("countries", new TaskSuite("countries", List.of(
                task("c0", "countries", "Italy is a country in Europe.", "x", null, null, "test"),
                task("c1", "countries", "France borders Spain.", "x", null, null, "test"))));
        factories.put(PluginKind.PROBE, load(ProbeFactory.class));
        factories.put(PluginKind.INTERVENTION, load(InterventionFactory.class));
        factories.put(PluginKind.METRIC, load(MetricFactory.class));
    }

    /**
     * The suite {@code main}: six tasks in three families of unequal size (3, 2, 1), so the mean of
     * family means differs from the mean over prompts; tasks 0, 1 and 3 have corrupt prompts.
     */
    private static TaskSuite mainSuite() {
        return new TaskSuite("main", List.of(
                task("cap-fr", "factual_recall", "The capital of France is", " Paris", "The capital of Italy is", " Rome", "test"),
                task("cap-it", "factual_recall", "The capital of Italy is", " Rome", "The capital of Spain is", null, "test"),
                task("cap-es", "factual_recall", "The capital of Spain is the city of", " Madrid", null, null, "train"),
                task("mul", "arithmetic", "18 * 7 = ", "126", "18 * 8 = ", null, "test"),
                task("add", "arithmetic", "12 + 30 = ", "42", null, null, "train"),
                task("copy", "copying", "ABCD ABCD AB", "CD", null, null, "test")));
    }

    private static Task task(String id, String family, String prompt, String target, String corrupt, String wrong, String split) {
        return new Task(id, family, prompt, target, Optional.ofNullable(corrupt), Optional.ofNullable(wrong), split, Map.of());
    }

    /** The {@code djl} engine if it is on the class path, else the first engine found. */
    private static EngineProvider engine() {
        List<EngineProvider> engines = ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get).toList();
        return engines.stream().filter(e -> e.id().equals("djl")).findFirst().or(() -> engines.stream().findFirst())
                .orElseThrow(() -> new Interp4jException(ErrorCode.UNSUPPORTED, "TinyStudy found no engine on the class path; add one as a"
                        + " test dependency, e.g. io.interp4j:interp4j-engine-djl"));
    }

    private static <F extends PluginFactory<?>> Map<String, PluginFactory<?>> load(Class<F> spi) {
        Map<String, PluginFactory<?>> out = new TreeMap<>();
        ServiceLoader.load(spi).forEach(f -> out.put(f.id(), f));
        return out;
    }

    /**
     * Returns a model as loaded by the engine, not counted, for independent computations.
     *
     * @param name the model
     * @return the engine's model
     */
    public Model raw(String name) {
        return ((CountedModel) model(name)).model;
    }

    /**
     * Returns how many forward passes ran through the study's models, and starts counting again.
     *
     * @return the count
     */
    public long takeForwards() {
        long n = forwards;
        forwards = 0;
        return n;
    }

    /**
     * Returns how many runs of a loaded model are open.
     *
     * @param name the model
     * @return the runs opened and not closed
     */
    public int openRuns(String name) {
        return ((CountedModel) model(name)).openRuns();
    }

    /**
     * Returns whether a model was loaded.
     *
     * @param name the model
     * @return true after the first {@link #model} call for it
     */
    public boolean isLoaded(String name) {
        return loaded.containsKey(name);
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public Set<String> modelNames() {
        return configs.keySet();
    }

    @Override
    public ModelConfig modelConfig(String name) {
        ModelConfig config = configs.get(name);
        if (config == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'");
        }
        return config;
    }

    @Override
    public synchronized Model model(String name) {
        modelConfig(name);
        return loaded.computeIfAbsent(name, n ->
                new CountedModel(engine.load(Checkpoint.open(directories.get(n))), () -> forwards++));
    }

    /**
     * Runs a forward plan with the executor on the engine's models, counting one forward pass per
     * request (what the plain path would run), as the study does.
     */
    @Override
    public void forwards(ForwardPlan plan, Progress progress, ReadoutSink sink) {
        forwards(List.of(plan), progress, (p, index, readout) -> sink.accept(index, readout));
    }

    /** Runs several plans with the executor in one call (as the study does), counting as {@link #forwards(ForwardPlan, Progress, ReadoutSink)}. */
    @Override
    public void forwards(List<ForwardPlan> plans, Progress progress, PlansSink sink) {
        PlanExecutor run = executor.orElseThrow(() -> new Interp4jException(ErrorCode.UNSUPPORTED, "this TinyStudy was made without a"
                + " PlanExecutor; use new TinyStudy(dir, new io.interp4j.planner.Planner(PlannerOptions.DEFAULTS)) to run forward plans"));
        synchronized (this) {
            forwards += plans.stream().mapToLong(ForwardPlan::size).sum();
        }
        run.execute(plans, key -> {
            ModelRef ref = ModelRef.parse(key);
            Model model = ref.variant() ? model(ref.name(), ref.options()) : model(ref.name());
            return model instanceof CountedModel counted ? counted.model : model;
        }, progress, sink);
    }

    @Override
    public Set<String> suiteNames() {
        return suites.keySet();
    }

    @Override
    public TaskSuite suite(String name) {
        TaskSuite suite = suites.get(name);
        if (suite == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown suite '" + name + "'");
        }
        return suite;
    }

    private Config settings(PluginKind kind, String id, Config user) {
        unknownId(kind, id).ifPresent(unknown -> {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, unknown);
        });
        return PluginSettings.resolve(kind, id, user, reference);
    }

    private Optional<String> unknownId(PluginKind kind, String id) {
        Set<String> known = factories.getOrDefault(kind, Map.of()).keySet();
        return known.contains(id) ? Optional.empty()
                : Optional.of("unknown " + kind.configName() + " '" + id + "'; known " + kind.configName() + "s: " + known);
    }

    /** The app's check ({@link PluginSettings#check}), each problem under the given path. */
    @Override
    public List<Problem> checkPlugin(PluginKind kind, String id, Config settings, String path) {
        return unknownId(kind, id).map(unknown -> List.of(new Problem(path, unknown)))
                .orElseGet(() -> PluginSettings.check(kind, id, settings, path, reference));
    }

    private <T> T create(PluginKind kind, String id, Config user, Class<T> type) {
        Config resolved = settings(kind, id, user);
        return type.cast(factories.get(kind).get(id).create(resolved));
    }

    @Override
    public Probe probe(String id, Config settings) {
        return create(PluginKind.PROBE, id, settings, Probe.class);
    }

    @Override
    public InterventionPlan intervention(String id, Config settings) {
        return create(PluginKind.INTERVENTION, id, settings, InterventionPlan.class);
    }

    @Override
    public Metric metric(String id, Config settings) {
        return create(PluginKind.METRIC, id, settings, Metric.class);
    }

    @Override
    public InterventionContext.ProbeRunner probes() {
        return (id, settings, context) -> probe(id, settings).run(context);
    }

    @Override
    public long seed() {
        return 7;
    }

    /**
     * Writes another tiny random model into the study.
     *
     * @param name the model's name
     * @param config its architecture
     * @param seed the weights' seed
     * @return this study
     */
    public TinyStudy addModel(String name, ModelConfig config, long seed) {
        Path model = root.resolve(name);
        configs.put(name, RandomCheckpoint.write(model, config, DType.F32, seed));
        directories.put(name, model);
        return this;
    }

    /**
     * Adds a task suite to the study.
     *
     * @param suite the suite, replacing one of the same name
     * @return this study
     */
    public TinyStudy addSuite(TaskSuite suite) {
        suites.put(suite.name(), suite);
        return this;
    }

    /** A variant is loaded like the app's study does: a separate model, counted, closed with the study. */
    @Override
    public synchronized Model model(String name, LoadOptions options) {
        modelConfig(name);
        return variants.computeIfAbsent(name + " " + options, n ->
                new CountedModel(engine.load(Checkpoint.open(directories.get(name)), options), () -> forwards++));
    }

    @Override
    public synchronized void release(String name, LoadOptions options) {
        CountedModel variant = variants.remove(name + " " + options);
        if (variant != null) {
            variant.model.close();
        }
    }

    /**
     * Returns how many variants are loaded now.
     *
     * @return the variants loaded and not released
     */
    public int loadedVariants() {
        return variants.size();
    }

    /** The engine's trainer, handed the engine's own model (the trainer refuses wrapped ones); empty if the engine cannot train. */
    @Override
    public Optional<LoraTrainer> loraTrainer(String name) {
        modelConfig(name);
        Optional<LoraTrainer> found = engine.loraTrainer();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        LoraTrainer trainer = found.get();
        return Optional.of((base, data, options, out, listener) ->
                trainer.train(base instanceof CountedModel counted ? counted.model : base, data, options, out, listener));
    }

    /**
     * Names the step that runs next, whose artefacts {@link #artefacts()} then returns (a study of
     * several steps, as the app runs them); {@code step-under-test} until called.
     *
     * @param id the step's id
     * @return this study
     */
    public TinyStudy step(String id) {
        currentStep = id;
        return this;
    }

    /** The artefacts of the step under test, in {@code artefacts/<step id>} ({@code step-under-test} unless {@link #step} named one). */
    @Override
    public Path artefacts() {
        return artefacts(currentStep);
    }

    /** Any step's artefacts, in {@code artefacts/<stepId>}, created on first use; tests write earlier steps' files there. */
    @Override
    public Path artefacts(String stepId) {
        Path dir = root.resolve("artefacts").resolve(stepId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    @Override
    public void close() {
        loaded.values().forEach(m -> m.model.close());
        loaded.clear();
        variants.values().forEach(m -> m.model.close());
        variants.clear();
    }
}
