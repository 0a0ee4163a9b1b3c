package io.interp4j.experiments.atlas.transfer;

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
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.SuiteChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * STUDY.md row 7, cross-model transfer. On the clean prompts of the suite's tasks that have a corrupt
 * pair (the published prompt set), both models see the same prompt; the base model runs with layer L
 * patched from the trained model at every position, and {@code recovery(L) = 1 − KL(trained ‖ patched)
 * / KL(trained ‖ base)} at the last position, averaged over each family's prompts and then over the
 * families. Published patches the whole {@code resid_post} of block L, which carries every earlier
 * block's adapted state too (so the last block's recovery is 1 by construction: the final norm and
 * unembedding are not adapted). Corrected patches only block L's own contribution ({@code resid_post −
 * resid_pre} of the trained model, added to the base model's own {@code resid_pre}): the layer's own
 * share, with 95% bootstrap intervals over prompts (stratified by family). A prompt on which the two
 * models agree exactly (KL(trained ‖ base) = 0) has no recovery and is left out.
 */
final class CrossModelTransfer implements Experiment {
    static final String DIMENSION = "Cross-model transfer";

    private final RowScope scope;
    private final TrainedModels trained;
    private final String suite;
    private final String split;
    private final int top;
    private final double floor;
    /** Encodes the suite's prompts (its error messages name the suite and task). */
    private final AtlasScope prompts;

    CrossModelTransfer(RowScope scope, TrainedModels trained, String suite, String split, int top, double floor) {
        this.scope = scope;
        this.trained = trained;
        this.suite = suite;
        this.split = split;
        this.top = top;
        this.floor = floor;
        this.prompts = new AtlasScope(scope, suite, split);
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(scope.validate(context));
        String root = context.path();
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
        } else if (tasks(context).isEmpty()) {
            problems.add(new Problem(root + ".split", "suite '" + suite + "' (split " + split + ") has no task with a corrupt prompt; this row runs the"
                    + " clean prompts of the clean/corrupt pairs, as the published study did"));
        }
        problems.addAll(trained.validate(context, scope.models(context)));
        return problems;
    }

    /** The tasks of the split that have a corrupt prompt, in suite order. */
    private List<Task> tasks(StudyContext context) {
        return context.suite(suite).split(split).tasks().stream().filter(t -> t.corruptPrompt().isPresent()).toList();
    }

    private int protocolCount() {
        return scope.protocols().size();
    }

    /** A patch of the base model at one layer under one protocol, on one prompt. */
    @FunctionalInterface
    private interface Patches {
        TensorData at(Protocol protocol, int prompt, int layer);
    }

    /** The trained model's points that the patches read: every block's resid_post, and its resid_pre for the corrected protocol. */
    private List<HookPoint> points(int layers) {
        List<HookPoint> points = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            points.add(HookPoint.block(l, HookSite.RESID_POST));
            if (scope.runs(Protocol.CORRECTED)) {
                points.add(HookPoint.block(l, HookSite.RESID_PRE));
            }
        }
        return points;
    }

    /**
     * Stage 1: per prompt, the trained model (its last logits, the reference, and the patched points at
     * every position), then the base model (its last logits).
     */
    private ForwardPlan sourcePlan(String base, String tuned, List<int[]> tokens, int layers) {
        Readout readout = Readout.LAST_LOGITS;
        for (HookPoint point : points(layers)) {
            readout = readout.and(point, Positions.ALL);
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : tokens) {
            plan.add(new ForwardRequest(tuned, prompt, List.of(), readout));
            plan.add(ForwardRequest.clean(base, prompt));
        }
        return plan.build();
    }

    /** Stage 2: per prompt, per protocol, per layer, the base model with that layer patched at every position. */
    private ForwardPlan patchPlan(String base, List<int[]> tokens, int layers, Patches patches) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int t = 0; t < tokens.size(); t++) {
            for (Protocol protocol : scope.protocols()) {
                for (int l = 0; l < layers; l++) {
                    Intervention patch = protocol == Protocol.PUBLISHED
                            ? Intervention.replace(Site.layerOutput(l), Positions.ALL, patches.at(protocol, t, l),
                                    "the trained model's resid_post")
                            : Intervention.replace(new Site.Contribution(l), Positions.ALL, patches.at(protocol, t, l),
                                    "the trained model's block contribution");
                    plan.add(ForwardRequest.intervened(base, tokens.get(t), List.of(patch)));
                }
            }
        }
        return plan.build();
    }

    private List<int[]> encode(StudyContext context, Tokenizer tokenizer, List<Task> tasks) {
        return tasks.stream().map(task -> prompts.encode(context, tokenizer, task, task.prompt())).toList();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<Task> tasks = tasks(context);
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : scope.models(context)) {
            // stage 2 is built with zero patches of each prompt's shape in place of stage 1's readouts: its size and schedule
            // depend on the prompts and layers alone
            String tuned = trained.plannedKey(name);
            List<int[]> tokens = encode(context, context.tokenizer(name), tasks);
            int layers = context.modelConfig(name).numLayers();
            int width = context.modelConfig(name).hiddenSize();
            List<TensorData> zeros = tokens.stream().map(p -> new TensorData(new long[] {1, p.length, width}, new float[p.length * width]))
                    .toList();
            plans.add(sourcePlan(name, tuned, tokens, layers));
            plans.add(patchPlan(name, tokens, layers, (protocol, t, l) -> zeros.get(t)));
        }
        return plans;
    }

    @Override
    public String describe() {
        return "atlas cross-model transfer: base model patched layer by layer from " + trained.describe() + ", clean prompts of the"
                + " paired tasks of suite '" + suite + "' (split " + split + "), top " + top + " layers, corrected recovery floor " + floor
                + " nats; " + scope.describe();
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        List<Task> tasks = tasks(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> promptRows = new ArrayList<>();
        List<List<Object>> layerRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        for (String name : scope.models(context)) {
            String tuned = trained.key(context, name);
            int layers = context.modelConfig(name).numLayers();
            List<int[]> tokens = encode(context, context.tokenizer(name), tasks);
            ForwardPlan sources = sourcePlan(name, tuned, tokens, layers);
            List<ForwardReadout> stage1 = context.forwards(sources, progress);
            forwards += sources.size();
            List<ForwardReadout> references = new ArrayList<>();
            double[] baseline = new double[tasks.size()];
            for (int t = 0; t < tasks.size(); t++) {
                references.add(stage1.get(2 * t));
                baseline[t] = compare.kl(references.get(t).lastLogits(), stage1.get(2 * t + 1).lastLogits());
            }
            ForwardPlan patches = patchPlan(name, tokens, layers, (protocol, t, l) -> protocol == Protocol.PUBLISHED
                    ? references.get(t).get(HookPoint.block(l, HookSite.RESID_POST)) : contribution(references.get(t), l));
            // patched[protocol][layer][prompt]: KL(trained ‖ patched); request (t · protocols + protocol) · layers + l, measured
            // as it arrives (the patched logits together would not fit in memory at a real vocabulary)
            Map<Protocol, double[][]> patched = new LinkedHashMap<>();
            scope.protocols().forEach(p -> patched.put(p, new double[layers][tasks.size()]));
            List<Protocol> protocols = scope.protocols();
            float[][] referenceLogits = references.stream().map(ForwardReadout::lastLogits).toArray(float[][]::new);
            context.forwards(patches, progress, (i, readout) -> {
                int t = i / (protocols.size() * layers);
                int l = i % layers;
                Protocol protocol = protocols.get(i / layers % protocols.size());
                patched.get(protocol)[l][t] = compare.kl(referenceLogits[t], readout.lastLogits());
            });
            forwards += patches.size();
            // published: every prompt whose recovery is defined (KL(trained ‖ base) > 0), as the seed averaged; corrected: only
            // prompts whose denominator is at least the floor, since 1 − KL/baseline over a near-zero baseline is noise
            // (baselines of 6e-6 nats gave recoveries of −15.9 that entered the family means)
            Map<Protocol, Double> minimum = Map.of(Protocol.PUBLISHED, Double.MIN_VALUE, Protocol.CORRECTED, floor);
            Map<Protocol, int[][]> familiesOf = new LinkedHashMap<>();
            for (Protocol protocol : scope.protocols()) {
                double least = minimum.get(protocol);
                familiesOf.put(protocol, familiesAtLeast(tasks, baseline, least));
                int excluded = (int) Arrays.stream(baseline).filter(d -> !(d >= least)).count();
                if (excluded > 0) {
                    atlas.artefact(protocol, name, excluded + " of " + tasks.size() + " prompts have KL(trained ‖ base) "
                            + (protocol == Protocol.PUBLISHED ? "= 0 (the adapter leaves their output unchanged), so their recovery is"
                                    + " undefined and they are left out"
                                    : "below the recovery floor " + floor + " nats, so their recovery (1 − KL / baseline over a near-zero"
                                            + " baseline) is noise and they are left out"));
                }
                summary.put("prompts." + name + "." + protocol.configName(), tasks.size() - excluded);
            }
            int[][] defined = familiesAtLeast(tasks, baseline, minimum.get(Protocol.PUBLISHED));
            double meanBaseline = defined.length == 0 ? Double.NaN : Stats.familyMean(baseline, defined);
            atlas.value("cross-model-transfer.kl-trained-base", null, name, meanBaseline, fmt(meanBaseline));
            Map<Protocol, Integer> best = new LinkedHashMap<>();
            for (Protocol protocol : scope.protocols()) {
                int[][] families = familiesOf.get(protocol);
                double least = minimum.get(protocol);
                double[] recovery = new double[layers];
                double[][] cis = new double[layers][];
                AtlasRows.Sample[] samples = new AtlasRows.Sample[layers];
                for (int l = 0; l < layers; l++) {
                    double[] values = new double[tasks.size()];
                    for (int t = 0; t < tasks.size(); t++) {
                        double kl = patched.get(protocol)[l][t];
                        values[t] = baseline[t] >= least ? 1 - kl / baseline[t] : Double.NaN;
                        promptRows.add(Arrays.asList(name, protocol.configName(), l, tasks.get(t).id(), tasks.get(t).family(),
                                baseline[t], kl, values[t]));
                    }
                    recovery[l] = families.length == 0 ? Double.NaN : Stats.familyMean(values, families);
                    if (protocol == Protocol.CORRECTED && families.length > 0) {
                        samples[l] = AtlasRows.Sample.familyMean(PromptSet.identities(tasks), families, values,
                                Stats.cellSeed(context.seed(), DIMENSION, name, protocol, l));
                        cis[l] = samples[l].interval();
                    }
                    layerRows.add(Arrays.asList(name, protocol.configName(), l, name + " " + protocol.configName(), recovery[l],
                            cis[l] == null ? null : cis[l][0], cis[l] == null ? null : cis[l][1]));
                }
                List<Integer> order = IntStream.range(0, layers).boxed()
                        .sorted(Comparator.comparingDouble((Integer l) -> Double.isNaN(recovery[l])
                                        ? Double.NEGATIVE_INFINITY : recovery[l]).reversed().thenComparing(Comparator.naturalOrder()))
                        .limit(Math.min(top, layers)).toList();
                int first = order.get(0);
                best.put(protocol, first);
                String display = order.stream().map(l -> "L" + l + " " + fmt(recovery[l])).collect(Collectors.joining(", "));
                atlas.value("cross-model-transfer.top-layers", protocol, name, display, display);
                atlas.value("cross-model-transfer.top-layer", protocol, name, first, "L" + first);
                atlas.value("cross-model-transfer.top-recovery", protocol, name, recovery[first], "L" + first + " " + fmt(recovery[first]),
                        cis[first], samples[first]);
                if (protocol == Protocol.PUBLISHED && recovery[layers - 1] >= 1 - 1e-6) {
                    atlas.artefact(protocol, name, "last-layer recovery is 1 by construction (" + fmt(recovery[layers - 1]) + " at L"
                            + (layers - 1) + "): patching the last block's resid_post hands the base model the trained model's final"
                            + " residual stream, and the final norm and unembedding are not adapted, so the patched output is the"
                            + " trained model's");
                }
            }
            if (best.size() == 2 && !best.get(Protocol.PUBLISHED).equals(best.get(Protocol.CORRECTED))) {
                atlas.disagreement(name, "top layer: published (whole resid_post) L" + best.get(Protocol.PUBLISHED)
                        + ", corrected (block contribution only) L" + best.get(Protocol.CORRECTED));
            }
        }
        summary.put("models", scope.models(context).size());
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("transfer-layers", List.of("model", "protocol", "layer", "series", "recovery", "ci_low", "ci_high"),
                layerRows));
        tables.add(new Table("transfer-prompts", List.of("model", "protocol", "layer", "task", "family", "kl_trained_base",
                "kl_trained_patched", "recovery"), promptRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("cross-model transfer: recovery by patched layer", ChartType.LINE, "transfer-layers",
                "layer", "series", "recovery"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** The families of the prompts whose KL(trained ‖ base) is at least {@code least}, the others left out. */
    private static int[][] familiesAtLeast(List<Task> tasks, double[] baseline, double least) {
        List<String> labels = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            labels.add(baseline[t] >= least ? tasks.get(t).family() : null);
        }
        return Stats.families(labels);
    }

    /** Block l's contribution in the trained run: {@code resid_post − resid_pre}, {@code [1, pos, d]}. */
    private static TensorData contribution(ForwardReadout reference, int l) {
        TensorData post = reference.get(HookPoint.block(l, HookSite.RESID_POST));
        float[] out = post.data();
        float[] pre = reference.get(HookPoint.block(l, HookSite.RESID_PRE)).data();
        for (int i = 0; i < out.length; i++) {
            out[i] -= pre[i];
        }
        return new TensorData(post.shape(), out);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
