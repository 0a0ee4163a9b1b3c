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
import io.interp4j.experiments.atlas.ProtocolPrompts;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.PerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    /** Per model: the suite and split whose paired tasks run, and the ones the published protocol averages over. */
    private final PerModel<AtlasScope> scopes;
    private final RowScope scope;
    private final TrainedModels trained;
    private final int top;
    private final double floor;

    CrossModelTransfer(PerModel<AtlasScope> scopes, TrainedModels trained, int top, double floor) {
        this.scopes = scopes;
        this.scope = scopes.common().rows();
        this.trained = trained;
        this.top = top;
        this.floor = floor;
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(scopes, s -> s, context, CrossModelTransfer::validate));
        problems.addAll(trained.validate(context, scope.models(context)));
        return problems;
    }

    /** A scope's problems: its own, then whether it has paired tasks and its published families are among theirs. */
    private static List<Problem> validate(AtlasScope own, StudyContext context) {
        List<Problem> problems = own.validate(context);
        if (!problems.isEmpty()) {
            return problems;
        }
        List<Task> paired = tasks(context, own);
        if (paired.isEmpty()) {
            return List.of(new Problem(context.path() + ".split", "suite '" + own.suite() + "' (split " + own.split() + ") has no task with"
                    + " a corrupt prompt; this row runs the clean prompts of the clean/corrupt pairs, as the published study did"));
        }
        return own.published().validate(context, paired, own.suite(), own.split() + ", tasks with a corrupt prompt");
    }

    /** The tasks of the scope's split that have a corrupt prompt, in suite order. */
    private static List<Task> tasks(StudyContext context, AtlasScope own) {
        return own.tasks(context).stream().filter(t -> t.corruptPrompt().isPresent()).toList();
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
     * Stage 1: per prompt that a protocol averages over, the trained model (its last logits, the reference,
     * and the patched points at every position), then the base model (its last logits).
     */
    private ForwardPlan sourcePlan(String base, String tuned, List<int[]> tokens, int layers, boolean[] used) {
        Readout readout = Readout.LAST_LOGITS;
        for (HookPoint point : points(layers)) {
            readout = readout.and(point, Positions.ALL);
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int t = 0; t < tokens.size(); t++) {
            if (used[t]) {
                plan.add(new ForwardRequest(tuned, tokens.get(t), List.of(), readout));
                plan.add(ForwardRequest.clean(base, tokens.get(t)));
            }
        }
        return plan.build();
    }

    /**
     * Stage 2: per prompt, per protocol that averages over it ({@link AtlasScope#averaged}), per layer, the base
     * model with that layer patched at every position.
     */
    private ForwardPlan patchPlan(String base, List<int[]> tokens, int layers, ProtocolPrompts averaged, Patches patches) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] at : averaged.layerPatches(layers)) {
            int t = at[0];
            int l = at[2];
            Protocol protocol = scope.protocols().get(at[1]);
            Intervention patch = protocol == Protocol.PUBLISHED
                    ? Intervention.replace(Site.layerOutput(l), Positions.ALL, patches.at(protocol, t, l), "the trained model's resid_post")
                    : Intervention.replace(new Site.Contribution(l), Positions.ALL, patches.at(protocol, t, l),
                            "the trained model's block contribution");
            plan.add(ForwardRequest.intervened(base, tokens.get(t), List.of(patch)));
        }
        return plan.build();
    }

    /** The paired tasks' clean prompts, encoded with the model's tokenizer. */
    private static List<int[]> encode(StudyContext context, AtlasScope own, String model, List<Task> tasks) {
        Tokenizer tokenizer = context.tokenizer(model);
        return tasks.stream().map(task -> own.encode(context, tokenizer, task, task.prompt())).toList();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : scope.models(context)) {
            // stage 2 is built with zero patches of each prompt's shape in place of stage 1's readouts: its size and schedule
            // depend on the prompts and layers alone
            String tuned = trained.plannedKey(name);
            AtlasScope own = scopes.of(name);
            List<Task> tasks = tasks(context, own);
            List<int[]> tokens = encode(context, own, name, tasks);
            ProtocolPrompts averaged = own.averaged(tasks);
            int layers = context.modelConfig(name).numLayers();
            int width = context.modelConfig(name).hiddenSize();
            List<TensorData> zeros = tokens.stream().map(p -> new TensorData(new long[] {1, p.length, width}, new float[p.length * width]))
                    .toList();
            plans.add(sourcePlan(name, tuned, tokens, layers, averaged.used()));
            plans.add(patchPlan(name, tokens, layers, averaged, (protocol, t, l) -> zeros.get(t)));
        }
        return plans;
    }

    @Override
    public String describe() {
        AtlasScope common = scopes.common();
        return "atlas cross-model transfer: base model patched layer by layer from " + trained.describe() + ", clean prompts of the"
                + " paired tasks of suite '" + common.suite() + "' (split " + common.split() + ")" + (common.published().all() ? ""
                        : ", published on " + common.published().describe()) + ", top " + top + " layers, corrected recovery floor "
                + floor + " nats; " + scope.describe() + (scopes.varies() ? ", with per-model prompts" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> promptRows = new ArrayList<>();
        List<List<Object>> layerRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        List<Protocol> protocols = scope.protocols();
        for (String name : scope.models(context)) {
            String tuned = trained.key(context, name);
            int layers = context.modelConfig(name).numLayers();
            AtlasScope own = scopes.of(name);
            List<Task> tasks = tasks(context, own);
            List<int[]> tokens = encode(context, own, name, tasks);
            ProtocolPrompts averaged = own.averaged(tasks);
            boolean[] used = averaged.used();
            ForwardPlan sources = sourcePlan(name, tuned, tokens, layers, used);
            List<ForwardReadout> stage1 = context.forwards(sources, progress);
            forwards += sources.size();
            // prompt t's trained reference is stage-1 request source[t], its base run the next; NaN baselines on unused prompts
            ForwardReadout[] references = new ForwardReadout[tasks.size()];
            double[] baseline = new double[tasks.size()];
            Arrays.fill(baseline, Double.NaN);
            for (int t = 0, next = 0; t < tasks.size(); t++) {
                if (used[t]) {
                    references[t] = stage1.get(next);
                    baseline[t] = compare.kl(references[t].lastLogits(), stage1.get(next + 1).lastLogits());
                    next += 2;
                }
            }
            ForwardPlan patches = patchPlan(name, tokens, layers, averaged, (protocol, t, l) -> protocol == Protocol.PUBLISHED
                    ? references[t].get(HookPoint.block(l, HookSite.RESID_POST)) : contribution(references[t], l));
            // patched[protocol][layer][prompt]: KL(trained ‖ patched), NaN where the protocol does not average over the prompt
            Map<Protocol, double[][]> patched = averaged.layerPatchKls(context, patches, progress, protocols, layers,
                    t -> references[t].lastLogits(), compare);
            forwards += patches.size();
            // published: every prompt whose recovery is defined (KL(trained ‖ base) > 0), as the seed averaged; corrected: only
            // prompts whose denominator is at least the floor, since 1 − KL/baseline over a near-zero baseline is noise
            // (baselines of 6e-6 nats gave recoveries of −15.9 that entered the family means)
            Map<Protocol, Double> minimum = Map.of(Protocol.PUBLISHED, Double.MIN_VALUE, Protocol.CORRECTED, floor);
            Map<Protocol, int[][]> familiesOf = new LinkedHashMap<>();
            Map<Protocol, int[]> membersOf = new LinkedHashMap<>();
            for (Protocol protocol : protocols) {
                double least = minimum.get(protocol);
                int[][] chosen = own.families(protocol, tasks);
                familiesOf.put(protocol, atLeast(chosen, baseline, least));
                int[] members = PromptSet.members(chosen);
                membersOf.put(protocol, members);
                int excluded = (int) Arrays.stream(members).filter(t -> !(baseline[t] >= least)).count();
                if (excluded > 0) {
                    atlas.artefact(protocol, name, excluded + " of " + members.length + " prompts have KL(trained ‖ base) "
                            + (protocol == Protocol.PUBLISHED ? "= 0 (the adapter leaves their output unchanged), so their recovery is"
                                    + " undefined and they are left out"
                                    : "below the recovery floor " + floor + " nats, so their recovery (1 − KL / baseline over a near-zero"
                                            + " baseline) is noise and they are left out"));
                }
                summary.put("prompts." + name + "." + protocol.configName(), members.length - excluded);
            }
            int[][] defined = atLeast(Stats.families(IntStream.range(0, tasks.size()).mapToObj(t -> used[t] ? tasks.get(t).family()
                    : null).toList()), baseline, minimum.get(Protocol.PUBLISHED));
            double meanBaseline = defined.length == 0 ? Double.NaN : Stats.familyMean(baseline, defined);
            atlas.value("cross-model-transfer.kl-trained-base", null, name, meanBaseline, fmt(meanBaseline));
            Map<Protocol, Integer> best = new LinkedHashMap<>();
            for (Protocol protocol : protocols) {
                int[][] families = familiesOf.get(protocol);
                double least = minimum.get(protocol);
                double[] recovery = new double[layers];
                double[][] cis = new double[layers][];
                AtlasRows.Sample[] samples = new AtlasRows.Sample[layers];
                int[] members = membersOf.get(protocol);
                for (int l = 0; l < layers; l++) {
                    double[] values = new double[tasks.size()];
                    Arrays.fill(values, Double.NaN);
                    for (int t : members) {
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

    /** The families' prompts whose KL(trained ‖ base) is at least {@code least}, the others left out, and so any family left empty. */
    private static int[][] atLeast(int[][] families, double[] baseline, double least) {
        return Arrays.stream(families).map(members -> Arrays.stream(members).filter(t -> baseline[t] >= least).toArray())
                .filter(members -> members.length > 0).toArray(int[][]::new);
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
