package io.interp4j.experiments.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ReadoutPairs;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.common.TargetChecks;
import io.interp4j.experiments.common.CountingModel;
import io.interp4j.experiments.common.PluginRef;
import io.interp4j.experiments.common.Scope;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Runs one intervention plugin at every sweep point on every prompt of a suite split and compares each
 * intervened run with the clean run of the same prompt. Forwards, as forward plans ({@link #plan}): one
 * clean run per prompt, then, point by point (the plugin resolves a point's interventions for every
 * prompt, so a plan computes a mean or a direction once per point), one intervened run per prompt, all
 * reading the logits at every position. Consecutive points share a plan while their logits fit
 * {@link #PLAN_LOGITS} floats. The plans are independent: they go to the executor together (the Spark
 * runner runs them as concurrent jobs), and each intervened readout is compared with its prompt's clean
 * one as it arrives, so only the clean logits ({@code [pos, vocab]} floats per prompt) are kept for the
 * whole step. Forwards that a
 * plugin runs itself to resolve its interventions (probes: means, sources, directions) go through the
 * model it is handed and are counted apart, as auxiliary forwards.
 */
final class SweepExperiment implements Experiment {
    /** The most logit floats one plan's readouts hold (256 MiB), unless a single point needs more. */
    static final long PLAN_LOGITS = 1L << 26;

    private final Scope scope;
    private final PluginRef intervention;
    private final List<Axis> axes;
    private final List<PluginRef> metrics;
    private final TargetToken.Rule rule;
    /** The bound of {@link #chunks}: {@link #PLAN_LOGITS}, less in tests that need several plans on a small model. */
    private final long planLogits;

    SweepExperiment(Scope scope, PluginRef intervention, List<Axis> axes, List<PluginRef> metrics, TargetToken.Rule rule) {
        this(scope, intervention, axes, metrics, rule, PLAN_LOGITS);
    }

    private SweepExperiment(Scope scope, PluginRef intervention, List<Axis> axes, List<PluginRef> metrics, TargetToken.Rule rule,
            long planLogits) {
        this.scope = scope;
        this.intervention = intervention;
        this.axes = List.copyOf(axes);
        this.metrics = List.copyOf(metrics);
        this.rule = rule;
        this.planLogits = planLogits;
    }

    /** The same sweep with plans of at most {@code floats} logits each (for tests: every point in a plan of its own at 1). */
    SweepExperiment withPlanLogits(long floats) {
        return new SweepExperiment(scope, intervention, axes, metrics, rule, floats);
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        Set<Problem> problems = new LinkedHashSet<>(scope.validate(context));
        ModelConfig config = context.modelNames().contains(scope.model()) ? context.modelConfig(scope.model()) : null;
        validateIntervention(context, config, problems);
        validateMetrics(context, config, problems);
        return List.copyOf(problems);
    }

    private void validateIntervention(StudyContext context, ModelConfig config, Set<Problem> problems) {
        String root = context.path();
        String id = intervention.id();
        List<Problem> unknownId = context.checkPlugin(PluginKind.INTERVENTION, id, ConfigFactory.empty(), intervention.path(root, "id"));
        if (!unknownId.isEmpty()) {
            problems.addAll(unknownId);
            return;
        }
        String settingsPath = intervention.path(root, "settings");
        Config base = intervention.settings();
        List<Problem> baseProblems = context.checkPlugin(PluginKind.INTERVENTION, id, base, settingsPath);
        problems.addAll(baseProblems);
        if (config != null) {
            for (String key : Ranges.KEYS) {
                if (base.hasPath(key) && axes.stream().noneMatch(a -> a.name().equals(key))) {
                    Ranges.check(key, base.getValue(key), config, scope.model()).ifPresent(p -> problems.add(new Problem(settingsPath + "." + key, p)));
                }
            }
        }
        Config defaults = defaults(id);
        boolean keysOk = true;
        Set<String> badValues = new HashSet<>();
        for (Axis axis : axes) {
            String axisPath = root + ".sweep." + axis.name();
            if (defaults != null && !defaults.hasPathOrNull(axis.path())) {
                problems.add(new Problem(axisPath, "unknown setting of intervention '" + id + "'; its settings: "
                        + new TreeSet<>(defaults.root().keySet())));
                keysOk = false;
                continue;
            }
            if (axis.needsModel() && config == null) {
                continue;
            }
            for (ConfigValue value : axis.list(config)) {
                List<Problem> valueProblems = new ArrayList<>();
                if (config != null && Ranges.KEYS.contains(axis.name())) {
                    Ranges.check(axis.name(), value, config, scope.model()).ifPresent(p -> valueProblems.add(new Problem(axisPath, p)));
                }
                if (baseProblems.isEmpty()) {
                    valueProblems.addAll(context.checkPlugin(PluginKind.INTERVENTION, id, base.withValue(axis.path(), value), root + ".sweep"));
                }
                if (!valueProblems.isEmpty()) {
                    problems.addAll(valueProblems);
                    badValues.add(axis.name() + "=" + value.render());
                }
            }
        }
        if (config != null && baseProblems.isEmpty() && keysOk) {
            createPlans(context, config, badValues, problems);
            if (problems.isEmpty()) {
                resolveOnPrompts(context, config, problems);
            }
        }
    }

    /**
     * Creates the plan of every point whose values passed the checks above, which catches what the
     * plugin checks beyond types (site names, heads at a site without heads); a problem is reported
     * once, at the first point that shows it, under the swept key when it is about one.
     */
    private void createPlans(StudyContext context, ModelConfig config, Set<String> badValues, Set<Problem> problems) {
        String settingsPath = intervention.path(context.path(), "settings");
        String own = PluginKind.INTERVENTION.problemPath(intervention.id());
        Map<Problem, Problem> found = new LinkedHashMap<>();
        for (Point point : Point.product(axes, config)) {
            boolean bad = false;
            for (int i = 0; i < axes.size(); i++) {
                bad |= badValues.contains(axes.get(i).name() + "=" + point.values().get(i).render());
            }
            if (bad) {
                continue;
            }
            try {
                context.intervention(intervention.id(), point.apply(intervention.settings()));
            } catch (Interp4jException e) {
                String where = axes.isEmpty() ? "" : " (at sweep point " + point.describe() + ")";
                for (Problem problem : e.problemsAt(own)) {
                    boolean swept = axes.stream().anyMatch(a -> problem.path().equals(own + "." + a.name()));
                    Problem moved = problem.rebased(own, swept ? context.path() + ".sweep" : settingsPath);
                    found.putIfAbsent(problem, new Problem(moved.path(), moved.message() + where));
                }
            }
        }
        problems.addAll(found.values());
    }

    /** The intervention's defaults, to tell which keys it has; null when they cannot be read here. */
    private static Config defaults(String id) {
        try {
            return PluginSettings.resolve(PluginKind.INTERVENTION, id, ConfigFactory.empty());
        } catch (Interp4jException e) {
            return null;
        }
    }

    private void validateMetrics(StudyContext context, ModelConfig config, Set<Problem> problems) {
        String root = context.path();
        for (PluginRef ref : metrics) {
            List<Problem> unknownId = context.checkPlugin(PluginKind.METRIC, ref.id(), ConfigFactory.empty(), ref.path(root, "id"));
            if (!unknownId.isEmpty()) {
                problems.addAll(unknownId);
                continue;
            }
            List<Problem> settingsProblems = context.checkPlugin(PluginKind.METRIC, ref.id(), ref.settings(), ref.path(root, "settings"));
            if (!settingsProblems.isEmpty()) {
                problems.addAll(settingsProblems);
                continue;
            }
            try {
                io.interp4j.api.metric.Metric metric = context.metric(ref.id(), ref.settings());
                if (config != null) {
                    problems.addAll(ref.modelProblems(PluginKind.METRIC, metric.checkAgainst(config), root, scope.model()));
                }
                if (metric.readsTarget() && config != null) {
                    checkTargets(context, ref, metric.readsWrongTarget(), problems);
                }
                Class<? extends MetricInput> input = metric.inputType();
                if (!MetricInput.LogitComparison.class.equals(input)) {
                    problems.add(new Problem(ref.path(root, "id"), "metric '" + ref.id() + "' reads " + input.getSimpleName()
                            + " observations; a sweep compares the clean and intervened logits of each prompt, so its metrics must"
                            + " read LogitComparison (e.g. kl-divergence, top-k-overlap, argmax-agreement, target-probability,"
                            + " target-logprob-drop, logit-difference)"));
                }
            } catch (Interp4jException e) {
                problems.add(new Problem(ref.path(root, "settings"), e.getMessage()));
            }
        }
    }

    /**
     * The points each plan runs: consecutive points whose intervened logits ({@code [pos, vocab]} per
     * prompt) fit {@code planLogits} floats together, at least one per plan; one empty chunk when
     * there are no points, so the clean forwards still run.
     */
    static List<List<Integer>> chunks(int points, List<int[]> prompts, int vocab, long planLogits) {
        long perPoint = prompts.stream().mapToLong(t -> (long) t.length * vocab).sum();
        int size = (int) Math.max(1, Math.min(points, planLogits / Math.max(1, perPoint)));
        List<List<Integer>> chunks = new ArrayList<>();
        if (points == 0) {
            chunks.add(List.of());
        }
        for (int from = 0; from < points; from += size) {
            List<Integer> chunk = new ArrayList<>();
            for (int p = from; p < Math.min(points, from + size); p++) {
                chunk.add(p);
            }
            chunks.add(chunk);
        }
        return chunks;
    }

    /**
     * One plan of the sweep: every prompt clean when {@code clean} (the first plan), then for each point
     * of the chunk every prompt with that point's interventions ({@code [point][prompt]}), each reading
     * the logits at every position. {@link #run} indexes the readouts in this order.
     */
    private ForwardPlan plan(List<int[]> prompts, boolean clean, List<List<List<Intervention>>> interventions) {
        String model = scope.model();
        Readout logits = Readout.logits(Positions.ALL);
        ForwardPlan.Builder plan = ForwardPlan.builder();
        if (clean) {
            for (int[] prompt : prompts) {
                plan.add(ForwardRequest.clean(model, prompt).reading(logits));
            }
        }
        for (List<List<Intervention>> point : interventions) {
            for (int t = 0; t < prompts.size(); t++) {
                plan.add(ForwardRequest.intervened(model, prompts.get(t), point.get(t)).reading(logits));
            }
        }
        return plan.build();
    }

    /**
     * The sweep's plans, built without weights: each point's interventions are resolved on a model that
     * cannot run (its architecture only). A plugin that needs forwards to resolve them (a probe's means,
     * sources or directions, which depend on those forwards' readouts) gets a stand-in instead, the
     * embeddings zeroed at every position: a request of the same size that costs a whole forward, as
     * much as any of its interventions can.
     */
    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        ModelConfig config = context.modelConfig(scope.model());
        Map<String, List<int[]>> sets = scope.sets(context);
        List<int[]> prompts = sets.get(Scope.TARGET_SET);
        List<Task> tasks = scope.tasks(context);
        List<Point> points = Point.product(axes, config);
        Model self = weightless(config);
        Map<String, Model> others = weightlessOthers(context);
        InterventionContext.ProbeRunner probes = WEIGHTLESS_PROBES;
        List<Intervention> standIn = List.of(Intervention.zero(new Site.AtHook(HookPoint.global(HookSite.EMBED)), Positions.ALL));
        List<ForwardPlan> plans = new ArrayList<>();
        for (List<Integer> chunk : chunks(points.size(), prompts, config.vocabSize(), planLogits)) {
            List<List<List<Intervention>>> interventions = new ArrayList<>();
            for (int p : chunk) {
                List<List<Intervention>> point;
                try {
                    point = resolve(context, points.get(p), prompts, sets, tasks, self, others, probes);
                } catch (RuntimeException e) {
                    if (!needsForwards(e)) {
                        throw e;
                    }
                    point = prompts.stream().map(t -> standIn).toList();
                }
                interventions.add(point);
            }
            plans.add(plan(prompts, plans.isEmpty(), interventions));
        }
        return plans;
    }

    /** Thrown by the weightless models and probe runner of {@link #plans}: resolving needs forwards. */
    /** A probe runner for plans built without weights: every probe needs forwards. */
    private static final InterventionContext.ProbeRunner WEIGHTLESS_PROBES = (id, settings, probeContext) -> {
        throw new NeedsForwards();
    };

    /** A model of the architecture alone, which refuses to run. */
    private static Model weightless(ModelConfig config) {
        return new CountingModel(() -> {
            throw new NeedsForwards();
        }, config, n -> {});
    }

    /** The study's other models, weightless, by name. */
    private Map<String, Model> weightlessOthers(StudyContext context) {
        Map<String, Model> others = new LinkedHashMap<>();
        for (String name : new TreeSet<>(context.modelNames())) {
            if (!name.equals(scope.model())) {
                others.put(name, weightless(context.modelConfig(name)));
            }
        }
        return others;
    }

    /**
     * Resolves every point's interventions for every prompt on weightless models, so that what the
     * prompts decide (a patch of every position from a source prompt of another length, a source index
     * beyond its set) is found before anything runs: the first such problem is reported. A prompt whose
     * interventions need forwards to resolve is passed over; what can be known without them was
     * checked before the plugin asked for them.
     */
    private void resolveOnPrompts(StudyContext context, ModelConfig config, Set<Problem> problems) {
        Map<String, List<int[]>> sets;
        try {
            sets = scope.sets(context);
        } catch (Interp4jException e) {
            problems.addAll(e.problemsAt(context.path()));
            return;
        }
        List<int[]> prompts = sets.get(Scope.TARGET_SET);
        List<Task> tasks = scope.tasks(context);
        Model self = weightless(config);
        Map<String, Model> others = weightlessOthers(context);
        for (Point point : Point.product(axes, config)) {
            InterventionPlan plan = context.intervention(intervention.id(), point.apply(intervention.settings()));
            for (int t = 0; t < tasks.size(); t++) {
                try {
                    resolveOne(context, point, plan, t, prompts, sets, tasks, self, others, WEIGHTLESS_PROBES);
                } catch (RuntimeException e) {
                    if (needsForwards(e)) {
                        continue;
                    }
                    if (e instanceof Interp4jException failure) {
                        problems.addAll(failure.problemsAt(context.path()));
                        return;
                    }
                    throw e;
                }
            }
        }
    }

    private static final class NeedsForwards extends RuntimeException {
        NeedsForwards() {
            super("resolving these interventions runs forwards", null, false, false);
        }
    }

    private static boolean needsForwards(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NeedsForwards) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String describe() {
        String over = axes.isEmpty() ? "" : " over " + axes.stream().map(Axis::describe).collect(Collectors.joining(" × "));
        String settings = intervention.settings().isEmpty() ? "" : " " + intervention.settings().root().render(
                ConfigRenderOptions.concise());
        return "sweep: " + intervention.id() + settings + over + " on every prompt of " + scope.describe()
                + ", compared with the clean run by " + metrics.stream().map(PluginRef::name).collect(Collectors.joining(", "))
                + "; family means, then their mean";
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        String root = context.path();
        List<Point> points = Point.product(axes, context.modelConfig(scope.model()));
        Scope.Prompts prompts = scope.prepare(context);
        Model model = prompts.model();
        List<Task> tasks = prompts.tasks();
        List<Metric> created = metrics.stream().map(r -> context.metric(r.id(), r.settings())).toList();
        List<Targets> targets = tasks.stream().map(t -> Targets.of(t, rule, prompts.tokenizer())).toList();

        AtomicLong auxiliary = new AtomicLong();
        CountingModel self = new CountingModel(() -> model, model.config(), auxiliary::addAndGet);
        Map<String, Model> others = new LinkedHashMap<>();
        for (String name : new TreeSet<>(context.modelNames())) {
            if (!name.equals(scope.model())) {
                others.put(name, new CountingModel(() -> context.model(name), context.modelConfig(name), auxiliary::addAndGet));
            }
        }

        double[][][] values = new double[points.size()][tasks.size()][metrics.size()];
        InterventionContext.ProbeRunner probes = context.probes();
        // the readouts of all plans in one index space: the clean runs of the first plan (t), then point p's run on prompt t
        // at n + p × n + t (n prompts), each compared with its prompt's clean run as it arrives
        int n = tasks.size();
        ReadoutPairs pairs = new ReadoutPairs(i -> i < n ? i : (i - n) % n, (i, intervened, clean) -> {
            int p = (i - n) / n;
            int t = (i - n) % n;
            String at = at(points.get(p));
            for (int m = 0; m < metrics.size(); m++) {
                values[p][t][m] = compute(root, m, created.get(m), clean.logits(), intervened.logits(), targets.get(t), tasks.get(t), at);
            }
        });
        List<ForwardPlan> plans = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        long forwards = 0;
        for (List<Integer> chunk : chunks(points.size(), prompts.tokens(), context.modelConfig(scope.model()).vocabSize(), planLogits)) {
            List<List<List<Intervention>>> interventions = new ArrayList<>();
            for (int p : chunk) {
                interventions.add(resolve(context, points.get(p), prompts.tokens(), prompts.sets(), tasks, self, others, probes));
            }
            ForwardPlan plan = plan(prompts.tokens(), plans.isEmpty(), interventions);
            plans.add(plan);
            offsets.add((int) forwards);
            forwards += plan.size();
        }
        context.forwards(plans, progress, (plan, index, readout) -> pairs.accept(offsets.get(plan) + index, readout));
        pairs.requireComplete();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("points", points.size());
        summary.put("prompts", tasks.size());
        summary.put("forward-passes", forwards);
        summary.put("auxiliary-forward-passes", auxiliary.get());
        return new SweepResults(axes, points, tasks, metrics.stream().map(PluginRef::name).toList(), values).result(summary);
    }

    private double compute(String root, int m, Metric metric, TensorData clean, TensorData intervened, Targets target, Task task,
            String at) {
        try {
            return metric.compute(new MetricInput.LogitComparison(clean, intervened, target.target(), target.wrong())).value();
        } catch (Interp4jException e) {
            PluginRef ref = metrics.get(m);
            throw new Interp4jException(e.code(), root + "." + ref.key() + ": metric '" + ref.id() + "' on task '" + task.id() + "'" + at
                    + ": " + e.getMessage() + target.note(), e);
        }
    }

    /**
     * Checks, before anything runs, that every task's target (and wrong target, when the metric reads
     * it) is one token under the step's spelling rule: the metric would fail on the first task whose is not.
     */
    private void checkTargets(StudyContext context, PluginRef ref, boolean wrongToo, Set<Problem> problems) {
        if (!context.suiteNames().contains(scope.suite())) {
            return; // the scope reported it
        }
        Tokenizer tokenizer;
        try {
            tokenizer = context.tokenizer(scope.model());
        } catch (Interp4jException e) {
            return; // resolving the interventions on the prompts reports a model without a tokenizer
        }
        TargetChecks.Failures failures = new TargetChecks.Failures();
        List<Task> tasks = scope.tasks(context);
        for (Task task : tasks) {
            Targets targets = Targets.of(task, rule, tokenizer);
            if (targets.target().isEmpty() || (wrongToo && task.wrongTarget().isPresent() && targets.wrong().isEmpty())
                    || (wrongToo && task.wrongTarget().isEmpty())) {
                failures.add(task, targets.problem().isEmpty() ? "the task has no wrong target" : targets.problem());
            }
        }
        if (!failures.isEmpty()) {
            problems.add(new Problem(ref.path(context.path(), "id"), "metric '" + ref.id() + "' reads each task's target"
                    + (wrongToo ? " and wrong target" : "") + " as one token (target-rule = " + TargetChecks.name(rule) + "), which "
                    + failures.describe(tasks.size())));
        }
    }

    private String at(Point point) {
        return axes.isEmpty() ? "" : " at sweep point " + point.describe();
    }

    /**
     * Creates the plugin's plan at one point and resolves its interventions for every prompt, in prompt
     * order; {@code [prompt]}.
     */
    private List<List<Intervention>> resolve(StudyContext context, Point point, List<int[]> prompts, Map<String, List<int[]>> sets,
            List<Task> tasks, Model self, Map<String, Model> others, InterventionContext.ProbeRunner probes) {
        String root = context.path();
        String at = at(point);
        InterventionPlan plan;
        try {
            plan = context.intervention(intervention.id(), point.apply(intervention.settings()));
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), new Problem(root + ".intervention" + at, e.getMessage()), e);
        }
        List<List<Intervention>> out = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            out.add(resolveOne(context, point, plan, t, prompts, sets, tasks, self, others, probes));
        }
        return out;
    }

    /** Resolves a point's plan for one prompt; an error names the step's intervention, the point and the task. */
    private List<Intervention> resolveOne(StudyContext context, Point point, InterventionPlan plan, int t, List<int[]> prompts,
            Map<String, List<int[]>> sets, List<Task> tasks, Model self, Map<String, Model> others, InterventionContext.ProbeRunner probes) {
        InterventionContext.Target target = new InterventionContext.Target(Scope.TARGET_SET, t, prompts.get(t));
        try {
            return plan.resolve(new InterventionContext(self, others, sets, target, probes));
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), new Problem(context.path() + ".intervention" + at(point) + ", task '" + tasks.get(t).id()
                    + "'", e.getMessage()), e);
        }
    }

    /**
     * A task's target and wrong target as token ids under the spelling rule; a target that does not
     * resolve is left out, and the reason is added to the error of any metric that then fails.
     */
    private record Targets(OptionalInt target, OptionalInt wrong, String problem) {
        static Targets of(Task task, TargetToken.Rule rule, Tokenizer tokenizer) {
            List<String> problems = new ArrayList<>();
            OptionalInt target = resolve(task.target(), "target", rule, tokenizer, problems);
            OptionalInt wrong = task.wrongTarget().isPresent()
                    ? resolve(task.wrongTarget().get(), "wrong target", rule, tokenizer, problems) : OptionalInt.empty();
            return new Targets(target, wrong, String.join("; ", problems));
        }

        private static OptionalInt resolve(String text, String what, TargetToken.Rule rule, Tokenizer tokenizer, List<String> problems) {
            try {
                return OptionalInt.of(TargetToken.resolve(text, rule, tokenizer));
            } catch (Interp4jException e) {
                problems.add("the task's " + what + " has no token id: " + e.getMessage());
                return OptionalInt.empty();
            }
        }

        String note() {
            return problem.isEmpty() ? "" : " (" + problem + ")";
        }
    }
}
