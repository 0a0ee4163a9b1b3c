package io.interp4j.experiments.atlas.lockin;

import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.atlas.lora.FamilyPrompts;
import io.interp4j.experiments.atlas.lora.TrainingArtefacts;
import io.interp4j.experiments.common.TargetChecks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Core circuit lock-in (STUDY.md row 12). At step 0 (the base model) and at each checkpoint of the
 * training step (base + that checkpoint's adapter), each layer L is ablated on every prompt and the
 * drop of the target's first-token log-prob at the last position is recorded, baseline − ablated:
 * published clamped at 0, max(0, baseline − ablated), as the seed did; corrected signed (an ablation
 * that makes the target more likely counts against the layer, not as no effect). A layer's effect is the
 * mean of family means of its drops, and the top layers are compared between step 0 and the last
 * checkpoint; the top set must be smaller than every model's layer count (a top set of every layer is
 * the same at every checkpoint: "locked in" by construction).
 *
 * <p>Published: the layer's whole output ({@code blocks.L.hook_resid_post}) is zeroed at every
 * position, which makes every later layer see a prompt-free input ("cascade zero", flagged when the
 * ablated logits no longer depend on the prompt). Corrected: the block's own contribution ({@code
 * attn_out + mlp_out}) is zeroed, a true skip, with 95% bootstrap intervals over prompts (stratified
 * by family) and Spearman's rank correlation of the layer effects between checkpoints.
 *
 * <p>Forwards per model: for each of 1 + checkpoints models, one baseline per prompt and one ablated
 * run per prompt, layer and protocol, each stage one forward plan ({@link #plan}).
 */
final class CircuitLockIn implements Experiment {
    private static final String DIMENSION = "Core circuit lock-in";
    private static final String KEY = "circuit-lock-in";

    private final RowScope rows;
    private final TrainedModels trained;
    private final FamilyPrompts prompts;
    private final int perFamily;
    private final List<Integer> checkpoints;
    private final int top;
    private final TargetToken.Rule rule;
    private final double cascadeTolerance;

    CircuitLockIn(RowScope rows, TrainedModels trained, FamilyPrompts prompts, int perFamily, List<Integer> checkpoints, int top,
            TargetToken.Rule rule, double cascadeTolerance) {
        this.rows = rows;
        this.trained = trained;
        this.prompts = prompts;
        this.perFamily = perFamily;
        this.checkpoints = List.copyOf(checkpoints);
        this.top = top;
        this.rule = rule;
        this.cascadeTolerance = cascadeTolerance;
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        Set<Problem> problems = new LinkedHashSet<>(rows.validate(context));
        List<Problem> promptProblems = prompts.validate(context, perFamily, "prompts-per-family");
        problems.addAll(promptProblems);
        if (promptProblems.isEmpty()) {
            List<Task> tasks = prompts.select(context, perFamily).values().stream().flatMap(List::stream).toList();
            for (String model : rows.models(context)) {
                if (context.modelNames().contains(model)) {
                    TargetChecks.check(context.path() + ".target-rule", context, model, tasks, rule).ifPresent(problems::add);
                }
            }
        }
        for (String model : rows.models(context)) {
            if (context.modelNames().contains(model) && top >= context.modelConfig(model).numLayers()) {
                int layers = context.modelConfig(model).numLayers();
                problems.add(new Problem(context.path() + ".top", "found " + top + "; model '" + model + "' has " + layers + " layers, and a top set"
                        + " of every layer is locked in by construction; allowed: " + (layers > 1 ? "1.." + (layers - 1)
                        : "none (a 1-layer model has no top set to compare)")));
            }
        }
        problems.addAll(trained.validate(context, rows.models(context)));
        problems.addAll(trained.validateCheckpoints(context, rows.models(context), checkpoints, "checkpoints"));
        return List.copyOf(problems);
    }

    /**
     * The forwards of one stage (step 0 on the base model, or a checkpoint's variant): every prompt
     * clean, then for each protocol and layer that layer's ablation on every prompt, each reading the
     * last position's logits. {@link #measure} indexes the readouts in this order.
     */
    private ForwardPlan plan(String model, List<FamilyPrompts.Prompt> flat, int layers) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (FamilyPrompts.Prompt prompt : flat) {
            plan.add(ForwardRequest.clean(model, prompt.tokens()));
        }
        for (Protocol protocol : rows.protocols()) {
            for (int layer = 0; layer < layers; layer++) {
                List<Intervention> ablation = List.of(ablation(protocol, layer));
                for (FamilyPrompts.Prompt prompt : flat) {
                    plan.add(ForwardRequest.intervened(model, prompt.tokens(), ablation));
                }
            }
        }
        return plan.build();
    }

    private static Intervention ablation(Protocol protocol, int layer) {
        return Intervention.zero(protocol == Protocol.PUBLISHED ? Site.layerOutput(layer) : new Site.Contribution(layer), Positions.ALL);
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : rows.models(context)) {
            List<FamilyPrompts.Prompt> flat = prompts.encode(context, context.tokenizer(name), name, prompts.select(context, perFamily), null)
                    .values().stream().flatMap(List::stream).toList();
            int layers = context.modelConfig(name).numLayers();
            plans.add(plan(ModelRef.of(name).key(), flat, layers));
            for (int step : checkpoints) {
                // a checkpoint's folder exists only once the training step ran (a dry run has no artefacts): a stand-in path
                // under the step's id names the variant, which costs what its base model costs
                Path standIn = TrainingArtefacts.checkpoint(Path.of(trained.step()), name, step);
                plans.add(plan(new ModelRef(name, LoadOptions.withAdapter(standIn)).key(), flat, layers));
            }
        }
        return plans;
    }

    @Override
    public String describe() {
        return KEY + ": per-layer zero ablation at step 0 and checkpoints " + checkpoints + " of " + trained.describe() + ", "
                + perFamily + " prompt(s) per family of " + (prompts.families().all() ? "every family" : "families "
                + prompts.families().names()) + " of suite '" + prompts.suite() + "' (split " + prompts.split() + "), top " + top + "; "
                + rows.describe();
    }

    /** The drops of one model: {@code [protocol][stage][layer][prompt]}. */
    private record Drops(List<Integer> steps, double[][][][] values, Map<Integer, Set<Integer>> cascade, double[] cascadeSpread) {}

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        List<Protocol> protocols = rows.protocols();
        List<List<Object>> layerRows = new ArrayList<>();
        List<List<Object>> topRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        AtlasRows atlas = new AtlasRows(DIMENSION);
        for (String name : rows.models(context)) {
            // every checkpoint must be there before the first forward
            Map<Integer, Path> adapters = new TreeMap<>();
            for (int step : checkpoints) {
                adapters.put(step, TrainingArtefacts.requireCheckpoint(context, trained, name, step, "checkpoints"));
            }
            Tokenizer tokenizer = FamilyPrompts.tokenizer(context, context.model(name), name);
            Map<String, List<FamilyPrompts.Prompt>> byFamily = prompts.encode(context, tokenizer, name, prompts.select(context, perFamily),
                    rule);
            List<FamilyPrompts.Prompt> flat = byFamily.values().stream().flatMap(List::stream).toList();
            int[][] families = Stats.families(flat.stream().map(p -> p.task().family()).toList());
            int layers = context.modelConfig(name).numLayers();
            Drops drops = measure(context, progress, name, adapters, flat, layers, promptRows);
            Map<Protocol, String> finalTops = new LinkedHashMap<>();
            Map<Protocol, Boolean> locked = new LinkedHashMap<>();
            for (int pi = 0; pi < protocols.size(); pi++) {
                Protocol protocol = protocols.get(pi);
                Outcome outcome = summarise(context, name, protocol, drops.steps(), drops.values()[pi], families,
                        PromptSet.identities(flat.stream().map(FamilyPrompts.Prompt::task).toList()), layers, layerRows, topRows);
                headline(atlas, name, protocol, outcome, drops.steps());
                finalTops.put(protocol, outcome.tops().get(outcome.tops().size() - 1).stream().sorted().map(String::valueOf)
                        .collect(Collectors.joining(",")));
                locked.put(protocol, outcome.locked());
                summary.put("locked-in." + protocol.configName() + "." + name, outcome.locked());
                summary.put("top-layers-final." + protocol.configName() + "." + name, layers(outcome.tops().get(outcome.tops().size() - 1)));
            }
            if (!drops.cascade().isEmpty()) {
                atlas.artefact(Protocol.PUBLISHED, name, cascadeMessage(drops, flat.size()));
            }
            if (finalTops.size() == 2 && (!finalTops.get(Protocol.PUBLISHED).equals(finalTops.get(Protocol.CORRECTED))
                    || !locked.get(Protocol.PUBLISHED).equals(locked.get(Protocol.CORRECTED)))) {
                atlas.disagreement(name, String.format(Locale.ROOT, "final top-%d layers: published {%s} (%s), corrected {%s} (%s)", top,
                        finalTops.get(Protocol.PUBLISHED), locked.get(Protocol.PUBLISHED) ? "locked in at step 0" : "not locked in at step 0",
                        finalTops.get(Protocol.CORRECTED), locked.get(Protocol.CORRECTED) ? "locked in at step 0" : "not locked in at step 0"));
            }
        }
        summary.put("prompts", prompts.select(context, perFamily).values().stream().mapToInt(List::size).sum());
        summary.put("checkpoints", checkpoints.stream().map(String::valueOf).collect(Collectors.joining(", ")));
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("lock-in", List.of("model", "protocol", "step", "layer", "drop", "ci_low", "ci_high", "rank", "series"),
                layerRows));
        tables.add(new Table("lock-in-top", List.of("model", "protocol", "step", "top_layers", "overlap_with_final", "spearman_vs_step0",
                "spearman_vs_final"), topRows));
        tables.add(new Table("lock-in-prompts", List.of("model", "protocol", "step", "layer", "family", "task", "baseline_logprob",
                "ablated_logprob", "drop"), promptRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("Target log-prob drop when a layer is ablated, by checkpoint (mean of family means)",
                ChartType.HEATMAP, "lock-in", "layer", "series", "drop"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    private Drops measure(StudyContext context, Progress progress, String name, Map<Integer, Path> adapters,
            List<FamilyPrompts.Prompt> flat, int layers, List<List<Object>> promptRows) {
        List<Protocol> protocols = rows.protocols();
        List<Integer> steps = new ArrayList<>();
        steps.add(0);
        steps.addAll(adapters.keySet());
        int n = flat.size();
        double[][][][] values = new double[protocols.size()][steps.size()][layers][n];
        Map<Integer, Set<Integer>> cascade = new TreeMap<>();
        double[] spread = {0};
        for (int s = 0; s < steps.size(); s++) {
            int step = steps.get(s);
            LoadOptions checkpoint = step == 0 ? LoadOptions.defaults() : LoadOptions.withAdapter(adapters.get(step));
            List<ForwardReadout> readouts = context.forwards(plan(new ModelRef(name, checkpoint).key(), flat, layers), progress);
            double[] baseline = new double[n];
            for (int p = 0; p < n; p++) {
                baseline[p] = Stats.logProbability(readouts.get(p).lastLogits(), flat.get(p).target());
            }
            int next = n;
            for (int pi = 0; pi < protocols.size(); pi++) {
                Protocol protocol = protocols.get(pi);
                for (int layer = 0; layer < layers; layer++) {
                    float[] first = null;
                    double diff = 0;
                    for (int p = 0; p < n; p++) {
                        FamilyPrompts.Prompt prompt = flat.get(p);
                        float[] logits = readouts.get(next++).lastLogits();
                        double ablated = Stats.logProbability(logits, prompt.target());
                        // published: the seed's clamp; corrected: signed
                        double drop = protocol == Protocol.PUBLISHED ? Math.max(0, baseline[p] - ablated) : baseline[p] - ablated;
                        values[pi][s][layer][p] = drop;
                        Task task = prompt.task();
                        promptRows.add(List.of(name, protocol.configName(), step, layer, task.family(), task.id(), baseline[p], ablated, drop));
                        if (first == null) {
                            first = logits;
                        } else {
                            diff = Math.max(diff, maxAbsDifference(first, logits));
                        }
                    }
                    // the ablated output no longer depends on the prompt: every prompt gave the same logits
                    if (protocol == Protocol.PUBLISHED && n > 1 && diff <= cascadeTolerance) {
                        cascade.computeIfAbsent(layer, l -> new TreeSet<>()).add(step);
                        spread[0] = Math.max(spread[0], diff);
                    }
                }
            }
            if (step != 0) {
                // one checkpoint in memory at a time: on a real model each is a full merged copy
                context.release(name, checkpoint);
            }
        }
        return new Drops(steps, values, cascade, spread);
    }

    /** The top layers of each stage, and whether the step-0 set is the final set. */
    private record Outcome(List<List<Integer>> tops, boolean locked, double overlap, int lockStep, double rho, AtlasRows.Sample rhoSample) {}

    private Outcome summarise(StudyContext context, String name, Protocol protocol, List<Integer> steps, double[][][] drops,
            int[][] families, List<String> identities, int layers, List<List<Object>> layerRows, List<List<Object>> topRows) {
        Comparisons compare = Comparisons.of(context);
        boolean corrected = protocol == Protocol.CORRECTED;
        double[][] effect = new double[steps.size()][layers];
        List<List<Integer>> tops = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            for (int layer = 0; layer < layers; layer++) {
                effect[s][layer] = Stats.familyMean(drops[s][layer], families);
            }
            int[] order = Stats.topK(effect[s], layers);
            int[] rank = new int[layers];
            for (int r = 0; r < layers; r++) {
                rank[order[r]] = r + 1;
            }
            String series = name + " · " + protocol.configName() + " · step " + steps.get(s);
            for (int layer = 0; layer < layers; layer++) {
                double[] ci = corrected ? Stats.bootstrapFamilyMean(drops[s][layer], families,
                        Stats.cellSeed(context.seed(), DIMENSION, name, protocol, steps.get(s), layer)) : null;
                layerRows.add(Arrays.asList(name, protocol.configName(), steps.get(s), layer, effect[s][layer], ci == null ? null : ci[0],
                        ci == null ? null : ci[1], rank[layer], series));
            }
            tops.add(Arrays.stream(order, 0, top).boxed().toList());
        }
        int last = steps.size() - 1;
        Set<Integer> finalSet = new TreeSet<>(tops.get(last));
        for (int s = 0; s < steps.size(); s++) {
            long shared = tops.get(s).stream().filter(finalSet::contains).count();
            topRows.add(List.of(name, protocol.configName(), steps.get(s), layers(tops.get(s)), shared / (double) top,
                    finite(compare.spearman(effect[s], effect[0])), finite(compare.spearman(effect[s], effect[last]))));
        }
        int lockIndex = last;
        while (lockIndex > 0 && new TreeSet<>(tops.get(lockIndex - 1)).equals(finalSet)) {
            lockIndex--;
        }
        double overlap = tops.get(0).stream().filter(finalSet::contains).count() / (double) top;
        double rho = compare.spearman(effect[0], effect[last]);
        AtlasRows.Sample rhoSample = corrected ? new AtlasRows.Sample(identities, families, drawn -> compare.spearman(
                layerMeans(drops[0], drawn), layerMeans(drops[last], drawn)), Stats.cellSeed(context.seed(), DIMENSION, name, protocol,
                "rho")) : null;
        return new Outcome(tops, new TreeSet<>(tops.get(0)).equals(finalSet), overlap, steps.get(lockIndex), rho, rhoSample);
    }

    private static double[] layerMeans(double[][] drops, int[][] drawn) {
        double[] out = new double[drops.length];
        for (int layer = 0; layer < drops.length; layer++) {
            out[layer] = Stats.familyMean(drops[layer], drawn);
        }
        return out;
    }

    private void headline(AtlasRows atlas, String name, Protocol protocol, Outcome outcome, List<Integer> steps) {
        String first = layers(outcome.tops().get(0));
        String last = layers(outcome.tops().get(outcome.tops().size() - 1));
        int finalStep = steps.get(steps.size() - 1);
        atlas.value(KEY + ".top-layers.step-0", protocol, name, first, first);
        atlas.value(KEY + ".top-layers.final", protocol, name, last, last + " (step " + finalStep + ")");
        atlas.value(KEY + ".locked-in", protocol, name, outcome.locked(), String.format(Locale.ROOT, "%s: %s → %s (%d/%d kept)",
                outcome.locked() ? "yes" : "no", first, last, Math.round(outcome.overlap() * top), top));
        atlas.value(KEY + ".top-overlap", protocol, name, outcome.overlap(), String.format(Locale.ROOT, "%d/%d", Math.round(outcome.overlap()
                * top), top));
        atlas.value(KEY + ".lock-step", protocol, name, outcome.lockStep(), outcome.lockStep() == 0 ? "at step 0"
                : "by step " + outcome.lockStep());
        if (protocol == Protocol.CORRECTED) {
            atlas.value(KEY + ".rank-correlation", protocol, name, outcome.rho(), String.format(Locale.ROOT, "ρ %.2f (step 0 vs %d)",
                    outcome.rho(), finalStep), outcome.rhoSample());
        }
    }

    private String cascadeMessage(Drops drops, int prompts) {
        String where = drops.cascade().entrySet().stream()
                .map(e -> "L" + e.getKey() + " (steps " + e.getValue().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "cascade zero: after zeroing resid_post at %s the last-position logits were the same for all %d"
                + " prompts (max |Δlogit| %.2g), so the ablated output no longer depends on the prompt and those drops measure the"
                + " target's log-prob under a prompt-free output", where, prompts, drops.cascadeSpread()[0]);
    }

    private static String layers(List<Integer> layers) {
        return layers.stream().map(l -> "L" + l).collect(Collectors.joining("/"));
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? (Object) v : null;
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
