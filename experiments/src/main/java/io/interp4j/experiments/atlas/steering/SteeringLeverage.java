package io.interp4j.experiments.atlas.steering;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.PromptEncoding;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.TargetChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The steering vector of layer L is the mean of the layer's output ({@code hook_resid_post}) at the last
 * token over the suite's {@value #POSITIVE} sentences minus that over its {@value #NEGATIVE} sentences;
 * s × v is added to the layer's output at the readout prompt's last position only, one forward per s.
 *
 * <p>Published: the first {@value #TARGET} task's prompt (or {@code published-prompt}), the target token
 * spelled per model as the published run did ({@code published-target}, else the task's target), p(token)
 * at each s; headline p(0) → the best p for s > 0 and their ratio. Each model may have its own recipe
 * ({@link PerModel}). Corrected: every {@value #TARGET} task with its own target (one spelling convention
 * for every model); the effect is the change of the target's log-probability Δ_t = log p_t(s) − log p_t(0)
 * (invariant to shifting every logit); the control is {@code random-vectors} directions drawn uniformly in
 * the span of the per-prompt difference vectors, scaled to ‖v‖ ({@link SpanControls}), on the same effect;
 * the headline is the positive scale with the largest mean excess Δ − control, every interval a 95%
 * bootstrap over the target prompts that chooses the scale again in each resample; the same for a sweep of
 * every layer at {@code sweep-scale}. Flags: the control matching or beating the vector (or its excess
 * interval reaching 0), the vector lowering the target. A forward both protocols need (the first task at
 * layer L) runs once and is read for both tokens.
 */
final class SteeringLeverage implements Experiment {
    static final String DIMENSION = "Steering leverage";
    static final String POSITIVE = "positive";
    static final String NEGATIVE = "negative";
    static final String TARGET = "target";

    /**
     * One readout forward: a vector (−1 the steering vector, k ≥ 0 random vector k) added at a layer at
     * a scale, on target task {@code task}. Scale 0 runs unsteered, so it is one key whatever the layer.
     */
    private record Key(int layer, int vector, double scale, int task) {
        static Key of(int layer, int vector, double scale, int task) {
            return scale == 0 ? new Key(-1, -1, 0, task) : new Key(layer, vector, scale, task);
        }
    }

    /** What one readout forward gives: the log-probability of the task's and of the published token. */
    private record Reading(double logp, double publishedLogp) {}

    /**
     * One model's settings: its prompts, its steered layer and the published run's readout as the seed
     * wrote it for that scale.
     *
     * @param scope the models, protocols and the steering suite's split
     * @param layer the layer whose output is read for the vector and steered
     * @param publishedTarget the published target's text as the seed spelled it (e.g. {@code "rome"}), or null
     *     for the first target task's target
     * @param publishedPrompt the published readout prompt as the seed wrote it (e.g. with a trailing space),
     *     or null for the first target task's prompt
     */
    record Recipe(AtlasScope scope, int layer, String publishedTarget, String publishedPrompt) {}

    private final PerModel<Recipe> recipes;
    private final AtlasScope scope;
    private final List<Double> scales;
    private final double sweepScale;
    private final int randomVectors;
    private final TargetToken.Rule rule;

    SteeringLeverage(PerModel<Recipe> recipes, List<Double> scales, double sweepScale, int randomVectors, TargetToken.Rule rule) {
        this.recipes = recipes;
        this.scope = recipes.common().scope();
        this.scales = List.copyOf(scales);
        this.sweepScale = sweepScale;
        this.randomVectors = randomVectors;
        this.rule = rule;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(recipes, Recipe::scope, context));
        if (!scope.validate(context).isEmpty()) {
            // the step's own models or suite are wrong: the per-model checks below would only repeat them
            return problems;
        }
        for (String model : scope.models(context)) {
            Recipe recipe = recipes.of(model);
            String where = recipes.path(context, model);
            if (recipe != recipes.common() && !recipe.scope().validate(context).isEmpty()) {
                // this model's own suite or split is wrong (reported above): its tasks cannot be checked
                continue;
            }
            List<Task> tasks = recipe.scope().tasks(context);
            for (String family : List.of(POSITIVE, NEGATIVE, TARGET)) {
                if (tasks.stream().noneMatch(t -> t.family().equals(family))) {
                    Set<String> present = new TreeSet<>();
                    tasks.forEach(t -> present.add(t.family()));
                    problems.add(new Problem(where + ".suite", "suite '" + recipe.scope().suite() + "' (split " + recipe.scope().split()
                            + ") has no task of family '" + family + "'; a steering suite needs families positive and negative (the"
                            + " vector's sentences) and target (the readout prompts and their target tokens); its families: " + present));
                }
            }
            List<Task> targets = family(context, recipe, TARGET);
            TargetChecks.check(where + ".suite", context, model, targets, rule).ifPresent(problems::add);
            if (recipe.publishedTarget() != null) {
                publishedTargetProblem(context, model, recipe.publishedTarget()).ifPresent(p -> problems.add(new Problem(where + ".published-target", p)));
            }
            int layers = context.modelConfig(model).numLayers();
            if (recipe.layer() >= layers) {
                problems.add(new Problem(where + ".layer", "layer " + recipe.layer() + " is out of range for model '" + model + "'; it has layers 0.."
                        + (layers - 1)));
            }
        }
        return problems;
    }

    /** Why a published target has no token id of a model under the rule, if it has none (a model without a tokenizer: the plans say). */
    private java.util.Optional<String> publishedTargetProblem(StudyContext context, String model, String target) {
        Tokenizer tokenizer;
        try {
            tokenizer = context.tokenizer(model);
        } catch (Interp4jException e) {
            return java.util.Optional.empty();
        }
        return TargetChecks.problem(target, rule, tokenizer, context.modelConfig(model).vocabSize())
                .map(p -> "model '" + model + "' (target-rule = " + TargetChecks.name(rule) + "): " + p);
    }

    private static List<Task> family(StudyContext context, Recipe recipe, String family) {
        return recipe.scope().tasks(context).stream().filter(t -> t.family().equals(family)).toList();
    }

    /** The index of the published readout prompt among a model's readout prompts: its own prompt follows the target tasks. */
    private static int publishedTask(Recipe recipe, int targets) {
        return recipe.publishedPrompt() == null ? 0 : targets;
    }

    /** The readout forwards of one model, in run order. */
    private Set<Key> keys(Recipe recipe, int layers, int targets) {
        int layer = recipe.layer();
        Set<Key> keys = new LinkedHashSet<>();
        if (scope.runs(Protocol.PUBLISHED)) {
            for (double s : scales) {
                keys.add(Key.of(layer, -1, s, publishedTask(recipe, targets)));
            }
        }
        if (scope.runs(Protocol.CORRECTED)) {
            for (int t = 0; t < targets; t++) {
                for (double s : scales) {
                    keys.add(Key.of(layer, -1, s, t));
                    for (int k = 0; k < randomVectors; k++) {
                        keys.add(Key.of(layer, k, s, t));
                    }
                }
                for (int l = 0; l < layers; l++) {
                    keys.add(Key.of(l, -1, 0, t));
                    keys.add(Key.of(l, -1, sweepScale, t));
                    for (int k = 0; k < randomVectors; k++) {
                        keys.add(Key.of(l, k, sweepScale, t));
                    }
                }
            }
        }
        return keys;
    }

    /** Every layer's output, each read at the last position. */
    private static Readout layerOutputs(int layers) {
        Readout readout = Readout.activation(HookPoint.block(0, HookSite.RESID_POST), Positions.LAST);
        for (int l = 1; l < layers; l++) {
            readout = readout.and(HookPoint.block(l, HookSite.RESID_POST), Positions.LAST);
        }
        return readout;
    }

    /** Stage 1: the positive sentences, then the negative ones, each reading every layer's output at its last token. */
    private static ForwardPlan vectorPlan(String model, List<int[]> positives, List<int[]> negatives, int layers) {
        Readout readout = layerOutputs(layers);
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (List<int[]> set : List.of(positives, negatives)) {
            for (int[] sentence : set) {
                plan.add(new ForwardRequest(model, sentence, List.of(), readout));
            }
        }
        return plan.build();
    }

    /**
     * Stage 2: one forward per key of {@link #keys}, in that order, each reading the last position's
     * logits of its readout prompt. The steering vectors and the controls ({@code [layer][k]}) come from
     * stage 1.
     */
    private ForwardPlan steeringPlan(String model, Recipe recipe, List<int[]> readouts, int targets, float[][] vectors,
            float[][][] controls) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (Key key : keys(recipe, vectors.length, targets)) {
            float[] vector = key.scale() == 0 ? null : key.vector() < 0 ? vectors[key.layer()] : controls[key.layer()][key.vector()];
            String source = key.vector() < 0 ? "steering vector of layer " + key.layer() : "control " + key.vector()
                    + " (a random direction of norm ‖v‖ in the span of the difference vectors)";
            List<Intervention> steering = vector == null ? List.of() : List.of(Intervention.add(Site.layerOutput(key.layer()),
                    Positions.LAST, key.scale(), TensorData.vector(vector), source));
            plan.add(ForwardRequest.intervened(model, readouts.get(key.task()), steering));
        }
        return plan.build();
    }

    /** The prompts of a family, encoded with a model's tokenizer. */
    private static List<int[]> encode(StudyContext context, Recipe recipe, Tokenizer tokenizer, List<Task> tasks) {
        return tasks.stream().map(task -> recipe.scope().encode(context, tokenizer, task, task.prompt())).toList();
    }

    /** The readout prompts of a model: every target task's, then the published prompt where the recipe sets one. */
    private List<int[]> readouts(StudyContext context, String model, Recipe recipe, Tokenizer tokenizer) {
        List<int[]> readouts = new ArrayList<>(encode(context, recipe, tokenizer, family(context, recipe, TARGET)));
        if (recipe.publishedPrompt() != null) {
            readouts.add(PromptEncoding.encode(tokenizer, recipe.publishedPrompt(), recipes.path(context, model) + ".published-prompt", ""));
        }
        return readouts;
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            Recipe recipe = recipes.of(model);
            Tokenizer tokenizer = context.tokenizer(model);
            ModelConfig config = context.modelConfig(model);
            int layers = config.numLayers();
            plans.add(vectorPlan(model, encode(context, recipe, tokenizer, family(context, recipe, POSITIVE)),
                    encode(context, recipe, tokenizer, family(context, recipe, NEGATIVE)), layers));
            // stage 2 is built with zero vectors in place of stage 1's: its size and schedule depend on the keys alone
            plans.add(steeringPlan(model, recipe, readouts(context, model, recipe, tokenizer), family(context, recipe, TARGET).size(),
                    new float[layers][config.hiddenSize()], new float[layers][randomVectors][config.hiddenSize()]));
        }
        return plans;
    }

    @Override
    public String describe() {
        int layer = recipes.common().layer();
        return "steering-leverage: v = mean layer-" + layer + " output at the last token over family positive − over family negative"
                + ", s × v added at the last position of each target prompt, s in "
                + scales.stream().map(SteeringLeverage::scale).collect(Collectors.joining(", ")) + " (published: p(target) per"
                + " model's published spelling; corrected: change of each target's log-probability vs " + randomVectors + " control(s),"
                + " random directions of equal norm in the span of the difference vectors, selection-aware 95% intervals over the"
                + " target prompts, and"
                + " every layer at s = " + scale(sweepScale) + "), " + scope.describe() + (recipes.varies() ? ", with per-model settings" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> readouts = new ArrayList<>();
        List<List<Object>> sweep = new ArrayList<>();
        List<List<Object>> curve = new ArrayList<>();
        List<List<Object>> publishedCurve = new ArrayList<>();
        List<List<Object>> sweepCurve = new ArrayList<>();
        Map<String, String> publishedTokens = new LinkedHashMap<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        for (String name : scope.models(context)) {
            Recipe recipe = recipes.of(name);
            int layer = recipe.layer();
            String where = recipes.path(context, name);
            List<Task> positives = family(context, recipe, POSITIVE);
            List<Task> negatives = family(context, recipe, NEGATIVE);
            List<Task> targets = family(context, recipe, TARGET);
            ModelConfig config = context.modelConfig(name);
            Tokenizer tokenizer = context.tokenizer(name);
            int[] tokens = new int[targets.size()];
            for (int t = 0; t < targets.size(); t++) {
                tokens[t] = token(tokenizer, targets.get(t).target(), where + ".suite", "task '" + targets.get(t).id() + "' target");
            }
            String publishedText = recipe.publishedTarget() == null ? targets.get(0).target() : recipe.publishedTarget();
            int published = token(tokenizer, publishedText, where + (recipe.publishedTarget() == null ? ".suite" : ".published-target"),
                    "published target");

            // the steering vector of every layer: one forward per sentence reads every layer's output
            int layers = config.numLayers();
            ForwardPlan sentences = vectorPlan(name, encode(context, recipe, tokenizer, positives),
                    encode(context, recipe, tokenizer, negatives), layers);
            List<ForwardReadout> cached = context.forwards(sentences, progress);
            forwards += sentences.size();
            int width = config.hiddenSize();
            float[][] vectors = new float[layers][width];
            double[] norms = new double[layers];
            int[] ranks = new int[layers];
            float[][][] controls = new float[layers][randomVectors][];
            for (int l = 0; l < layers; l++) {
                double[][] pos = outputs(cached, 0, positives.size(), l);
                double[][] neg = outputs(cached, positives.size(), negatives.size(), l);
                for (int i = 0; i < width; i++) {
                    double sum = 0;
                    for (double[] row : pos) {
                        sum += row[i] / pos.length;
                    }
                    for (double[] row : neg) {
                        sum -= row[i] / neg.length;
                    }
                    vectors[l][i] = (float) sum;
                }
                norms[l] = TensorData.vector(vectors[l]).norm();
                SpanControls span = new SpanControls(pos, neg);
                ranks[l] = span.rank();
                for (int k = 0; k < randomVectors; k++) {
                    controls[l][k] = span.control(controlSeed(context.seed(), name, l, k), width, norms[l]);
                }
            }

            ForwardPlan steered = steeringPlan(name, recipe, readouts(context, name, recipe, tokenizer), targets.size(), vectors,
                    controls);
            List<ForwardReadout> logits = context.forwards(steered, progress);
            forwards += steered.size();
            Map<Key, Reading> read = new LinkedHashMap<>();
            int next = 0;
            for (Key key : keys(recipe, layers, targets.size())) {
                float[] last = logits.get(next++).lastLogits();
                double[] logp = Stats.logSoftmax(last);
                // the published prompt has no task token of its own: its row reads the published token only
                int own = key.task() < targets.size() ? tokens[key.task()] : published;
                read.put(key, new Reading(logp[own], logp[published]));
            }

            String publishedSpelling = tokenizer.decode(new int[] {published});
            publishedTokens.put(name, publishedSpelling);
            if (scope.runs(Protocol.PUBLISHED)) {
                String readout = recipe.publishedPrompt() == null ? targets.get(0).id() : "published-prompt";
                published(atlas, name, layer, publishedTask(recipe, targets.size()), read, publishedSpelling, published, readout,
                        readouts, publishedCurve);
            }
            if (scope.runs(Protocol.CORRECTED)) {
                corrected(context, atlas, name, layer, read, tokenizer, tokens, targets, norms, ranks, readouts, sweep, curve, sweepCurve);
                String taskSpelling = tokenizer.decode(new int[] {tokens[0]});
                if (scope.runs(Protocol.PUBLISHED) && published != tokens[0]) {
                    atlas.artefact(Protocol.PUBLISHED, name, "the published run reads token " + quote(publishedSpelling) + " (#"
                            + published + ") where the suite's target is " + quote(taskSpelling) + " (#" + tokens[0] + ")");
                }
            }
            summary.put(name + ".vector-norm", norms[layer]);
        }
        if (scope.runs(Protocol.PUBLISHED) && new LinkedHashSet<>(publishedTokens.values()).size() > 1) {
            String spellings = publishedTokens.entrySet().stream().map(e -> e.getKey() + " " + quote(e.getValue()))
                    .collect(Collectors.joining(", "));
            for (String name : publishedTokens.keySet()) {
                atlas.artefact(Protocol.PUBLISHED, name, "the published target token differs across models (" + spellings
                        + "): probabilities and ratios compared across models compare different tokens (the seed's \"70×\")");
            }
        }
        for (String name : scope.models(context)) {
            Recipe recipe = recipes.of(name);
            String prefix = recipes.varies() ? name + "." : "";
            summary.put(prefix + "layer", recipe.layer());
            summary.put(prefix + "positives", family(context, recipe, POSITIVE).size());
            summary.put(prefix + "negatives", family(context, recipe, NEGATIVE).size());
            summary.put(prefix + "targets", family(context, recipe, TARGET).size());
        }
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("steering-readout", List.of("model", "protocol", "layer", "vector", "task", "token", "scale", "probability",
                "logprob", "logprob_delta"), readouts));
        tables.add(new Table("steering-layers", List.of("model", "layer", "vector_norm", "span_rank", "logprob_delta",
                "control_logprob_delta", "excess", "probability", "probability_s0"), sweep));
        tables.add(new Table("steering-published-curve", List.of("scale", "model", "probability"), publishedCurve));
        tables.add(new Table("steering-curve", List.of("scale", "series", "logprob_delta"), curve));
        tables.add(new Table("steering-sweep-curve", List.of("layer", "series", "logprob_delta"), sweepCurve));
        tables.addAll(atlas.tables());
        List<Chart> charts = new ArrayList<>();
        if (!publishedCurve.isEmpty()) {
            charts.add(new Chart("published: p(target) by steering scale at " + layers() + " (each model's published spelling)",
                    ChartType.LINE, "steering-published-curve", "scale", "model", "probability"));
        }
        if (!curve.isEmpty()) {
            charts.add(new Chart("corrected: mean change of the target's log-probability by scale at " + layers() + ", steering vs"
                    + " controls (random directions of equal norm in the span of the difference vectors)",
                    ChartType.LINE, "steering-curve", "scale", "series", "logprob_delta"));
            charts.add(new Chart("corrected: mean change of the target's log-probability at s = " + scale(sweepScale) + " by layer",
                    ChartType.LINE, "steering-sweep-curve", "layer", "series", "logprob_delta"));
        }
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** The steered layer as the charts name it: one layer, or each model's when they differ. */
    private String layers() {
        return recipes.varies() ? "each model's layer" : "layer " + recipes.common().layer();
    }

    private void published(AtlasRows atlas, String name, int layer, int task, Map<Key, Reading> read, String spelling, int token,
            String readout, List<List<Object>> readouts, List<List<Object>> curve) {
        double logp0 = read.get(Key.of(layer, -1, 0, task)).publishedLogp();
        double p0 = Math.exp(read.get(Key.of(layer, -1, 0, task)).publishedLogp());
        double best = Double.NEGATIVE_INFINITY;
        double bestScale = 0;
        for (double s : scales) {
            Reading r = read.get(Key.of(layer, -1, s, task));
            double p = Math.exp(r.publishedLogp());
            readouts.add(Arrays.asList(name, Protocol.PUBLISHED.configName(), layer, "steering", readout, spelling, s, p,
                    r.publishedLogp(), r.publishedLogp() - logp0));
            curve.add(List.of(s, name, p));
            if (s > 0 && p > best) {
                best = p;
                bestScale = s;
            }
        }
        headline(atlas, Protocol.PUBLISHED, name, layer, spelling, token, p0, best, bestScale, null);
    }

    private void headline(AtlasRows atlas, Protocol protocol, String name, int layer, String spelling, int token, double p0, double best,
            double bestScale, double[] ci) {
        atlas.value("steering-leverage.layer", protocol, name, layer, "L" + layer);
        atlas.value("steering-leverage.token", protocol, name, spelling, quote(spelling) + " (#" + token + ")");
        atlas.value("steering-leverage.p0", protocol, name, p0, String.format(Locale.ROOT, "%.4g", p0));
        atlas.value("steering-leverage.best-p", protocol, name, best, String.format(Locale.ROOT, "%.4g at s=%s", best, scale(bestScale)));
        double ratio = best / p0;
        atlas.value("steering-leverage.ratio", protocol, name, ratio, String.format(Locale.ROOT, "%.4g → %.4g (%.3g×)", p0, best, ratio),
                ci);
    }

    /** Layer l's output at the last token of sentences {@code from .. from + count − 1} of stage 1, in double. */
    private static double[][] outputs(List<ForwardReadout> cached, int from, int count, int layer) {
        double[][] out = new double[count][];
        for (int i = 0; i < count; i++) {
            float[] output = cached.get(from + i).get(HookPoint.block(layer, HookSite.RESID_POST)).data();
            out[i] = new double[output.length];
            for (int j = 0; j < output.length; j++) {
                out[i][j] = output[j];
            }
        }
        return out;
    }

    /** The seed of control k of a layer: its own stream, derived from the study seed and the cell (model, layer, k). */
    static long controlSeed(long studySeed, String model, int layer, int k) {
        return Stats.cellSeed(studySeed, DIMENSION, model, "control", layer, k);
    }

    /**
     * One model's effects at one layer and scale, per target prompt: the steering vector's change of the
     * target's log-probability Δ_t = log p_t(s) − log p_t(0), the controls' mean change, and the excess
     * Δ_t − control_t. Log-probabilities are invariant to a shift of every logit (a logit is not).
     */
    private record Effects(double[] delta, double[] control, double[] excess) {
        static Effects of(Map<Key, Reading> read, int layer, double scale, int n, int controls) {
            double[] delta = new double[n];
            double[] control = new double[n];
            double[] excess = new double[n];
            for (int t = 0; t < n; t++) {
                double base = read.get(Key.of(layer, -1, 0, t)).logp();
                delta[t] = read.get(Key.of(layer, -1, scale, t)).logp() - base;
                for (int k = 0; k < controls; k++) {
                    control[t] += (read.get(Key.of(layer, k, scale, t)).logp() - base) / controls;
                }
                excess[t] = delta[t] - control[t];
            }
            return new Effects(delta, control, excess);
        }
    }

    /** The mean of the drawn prompts' values. */
    private static double mean(double[] values, int[] drawn) {
        double sum = 0;
        for (int i : drawn) {
            sum += values[i];
        }
        return sum / drawn.length;
    }

    /**
     * A value read at the selected cell, as a statistic of a resample of the target prompts: the resample picks
     * the cell with the largest mean excess again (the first on ties) and reads the value there. Its bootstrap
     * is the value's selection-aware interval, and the report's Δ between models resamples it too.
     */
    private static ToDoubleFunction<int[][]> atSelected(List<Effects> cells, Function<Effects, double[]> value) {
        return drawn -> {
            int best = 0;
            for (int c = 1; c < cells.size(); c++) {
                if (mean(cells.get(c).excess(), drawn[0]) > mean(cells.get(best).excess(), drawn[0])) {
                    best = c;
                }
            }
            return mean(value.apply(cells.get(best)), drawn[0]);
        };
    }

    /** The sample of a value read at the selected cell ({@link #atSelected}), over all target prompts as one family. */
    private static AtlasRows.Sample sample(List<String> prompts, List<Effects> cells, Function<Effects, double[]> value, long seed) {
        return new AtlasRows.Sample(prompts, new int[][] {IntStream.range(0, prompts.size()).toArray()}, atSelected(cells, value), seed);
    }

    /** The largest mean excess among cells (the first on ties), with Stats.bootstrapSelection's interval of it. */
    private static Stats.Selection select(List<Effects> cells, int best, long seed) {
        int[][] all = {java.util.stream.IntStream.range(0, cells.get(0).delta().length).toArray()};
        return Stats.bootstrapSelection(all, cells.size(), (c, drawn) -> mean(cells.get(c).excess(), drawn[0]), best, seed);
    }

    private static int best(List<Effects> cells) {
        int best = 0;
        for (int c = 1; c < cells.size(); c++) {
            if (Stats.mean(cells.get(c).excess()) > Stats.mean(cells.get(best).excess())) {
                best = c;
            }
        }
        return best;
    }

    private void corrected(StudyContext context, AtlasRows atlas, String name, int layer, Map<Key, Reading> read, Tokenizer tokenizer,
            int[] tokens, List<Task> targets, double[] norms, int[] ranks, List<List<Object>> readouts, List<List<Object>> sweep,
            List<List<Object>> curve, List<List<Object>> sweepCurve) {
        int n = targets.size();
        String protocol = Protocol.CORRECTED.configName();
        // at layer L, per scale: every prompt's readouts, the curve, and the positive scales' effects
        List<Double> positive = new ArrayList<>();
        List<Effects> effects = new ArrayList<>();
        for (double s : scales) {
            Effects e = Effects.of(read, layer, s, n, randomVectors);
            for (int t = 0; t < n; t++) {
                String spelling = tokenizer.decode(new int[] {tokens[t]});
                Reading r = read.get(Key.of(layer, -1, s, t));
                readouts.add(Arrays.asList(name, protocol, layer, "steering", targets.get(t).id(), spelling, s, Math.exp(r.logp()),
                        r.logp(), e.delta()[t]));
                double base = read.get(Key.of(layer, -1, 0, t)).logp();
                for (int k = 0; k < randomVectors; k++) {
                    Reading c = read.get(Key.of(layer, k, s, t));
                    readouts.add(Arrays.asList(name, protocol, layer, "control " + k, targets.get(t).id(), spelling, s, Math.exp(c.logp()),
                            c.logp(), c.logp() - base));
                }
            }
            curve.add(List.of(s, name + " steering", Stats.mean(e.delta())));
            curve.add(List.of(s, name + " control (mean)", Stats.mean(e.control())));
            if (s > 0) {
                positive.add(s);
                effects.add(e);
            }
        }
        // the headline scale: the positive scale with the largest mean excess over the control; every interval
        // redoes that choice on the same resamples of the target prompts
        int chosen = best(effects);
        double bestScale = positive.get(chosen);
        Effects at = effects.get(chosen);
        long seed = Stats.cellSeed(context.seed(), DIMENSION, name, "scale-selection");
        Stats.Selection selection = select(effects, chosen, seed);
        double delta = Stats.mean(at.delta());
        double control = Stats.mean(at.control());
        double excess = Stats.mean(at.excess());
        double[] p0 = new double[n];
        double[] pBest = new double[n];
        for (int t = 0; t < n; t++) {
            p0[t] = Math.exp(read.get(Key.of(layer, -1, 0, t)).logp());
            pBest[t] = Math.exp(read.get(Key.of(layer, -1, bestScale, t)).logp());
        }
        String spelling = tokenizer.decode(new int[] {tokens[0]});
        headline(atlas, Protocol.CORRECTED, name, layer, spelling, tokens[0], Stats.mean(p0), Stats.mean(pBest), bestScale, null);
        // the samples redo the choice of scale in every resample, for the intervals and for the report's Δ between models
        List<String> prompts = PromptSet.identities(targets);
        atlas.value("steering-leverage.logprob-delta", Protocol.CORRECTED, name, delta, String.format(Locale.ROOT,
                "Δlog p %+.4g at s=%s (%d prompts)", delta, scale(bestScale), n), sample(prompts, effects, Effects::delta, seed));
        atlas.value("steering-leverage.control-logprob-delta", Protocol.CORRECTED, name, control, String.format(Locale.ROOT,
                "Δlog p %+.4g (%d random direction(s) of norm ‖v‖ in the %d-dimensional span of the difference vectors)", control,
                randomVectors, ranks[layer]), sample(prompts, effects, Effects::control, seed));
        atlas.value("steering-leverage.excess", Protocol.CORRECTED, name, excess, String.format(Locale.ROOT,
                "%+.4g at s=%s (the best scale in %.0f%% of resamples)", excess, scale(bestScale), 100 * selection.stability()),
                selection.interval(), sample(prompts, effects, Effects::excess, seed));
        if (control >= delta) {
            atlas.artefact(Protocol.CORRECTED, name, String.format(Locale.ROOT, "at L%d, s=%s the control matches or beats the"
                    + " steering vector: random directions of the same norm in the span of the difference vectors change the target"
                    + " log-probability by %+.4g, the vector by %+.4g", layer, scale(bestScale), control, delta));
        } else if (selection.low() <= 0) {
            atlas.artefact(Protocol.CORRECTED, name, String.format(Locale.ROOT, "at L%d, s=%s the steering vector's excess over the"
                    + " control, %+.4g, has a 95%% interval [%.4g, %.4g] that reaches 0: not distinguishable from the control", layer,
                    scale(bestScale), excess, selection.low(), selection.high()));
        }
        if (delta <= 0) {
            atlas.artefact(Protocol.CORRECTED, name, String.format(Locale.ROOT, "at L%d, s=%s the steering vector lowers the target:"
                    + " the mean change of its log-probability is %+.4g", layer, scale(bestScale), delta));
        }

        // the sweep: every layer at sweep-scale, the layer with the largest excess chosen again in every resample
        List<Effects> layers = new ArrayList<>();
        for (int l = 0; l < norms.length; l++) {
            Effects e = Effects.of(read, l, sweepScale, n, randomVectors);
            layers.add(e);
            double p = 0;
            double base = 0;
            for (int t = 0; t < n; t++) {
                p += Math.exp(read.get(Key.of(l, -1, sweepScale, t)).logp()) / n;
                base += Math.exp(read.get(Key.of(l, -1, 0, t)).logp()) / n;
            }
            sweep.add(Arrays.asList(name, l, norms[l], ranks[l], Stats.mean(e.delta()), Stats.mean(e.control()), Stats.mean(e.excess()),
                    p, base));
            sweepCurve.add(List.of(l, name + " steering", Stats.mean(e.delta())));
            sweepCurve.add(List.of(l, name + " control (mean)", Stats.mean(e.control())));
        }
        int bestLayer = best(layers);
        Stats.Selection sweepSelection = select(layers, bestLayer, Stats.cellSeed(context.seed(), DIMENSION, name, "layer-selection"));
        double bestExcess = Stats.mean(layers.get(bestLayer).excess());
        atlas.value("steering-leverage.best-layer", Protocol.CORRECTED, name, bestLayer, String.format(Locale.ROOT,
                "L%d (the best layer in %.0f%% of resamples)", bestLayer, 100 * sweepSelection.stability()));
        atlas.value("steering-leverage.sweep-excess", Protocol.CORRECTED, name, bestExcess, String.format(Locale.ROOT,
                "%+.4g at L%d, s=%s", bestExcess, bestLayer, scale(sweepScale)), sweepSelection.interval(), sample(prompts, layers,
                Effects::excess, Stats.cellSeed(context.seed(), DIMENSION, name, "layer-selection")));
        if (bestLayer != layer) {
            atlas.disagreement(name, String.format(Locale.ROOT, "the layer sweep at s=%s moves the target most (over the control)"
                    + " at L%d (%+.4g), the published layer L%d gives %+.4g", scale(sweepScale), bestLayer, bestExcess, layer,
                    Stats.mean(layers.get(layer).excess())));
        }
    }

    private int token(Tokenizer tokenizer, String text, String where, String what) {
        try {
            return TargetToken.resolve(text, rule, tokenizer);
        } catch (Interp4jException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, new Problem(where, "the " + what + " " + quote(text)
                    + " has no token: " + e.getMessage()), e);
        }
    }

    private static String scale(double s) {
        String text = s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
        return s > 0 ? "+" + text : text;
    }

    private static String quote(String text) {
        return "'" + text + "'";
    }
}
