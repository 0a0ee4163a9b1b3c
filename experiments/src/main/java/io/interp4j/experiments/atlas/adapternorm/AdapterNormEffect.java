package io.interp4j.experiments.atlas.adapternorm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.ProtocolPrompts;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.PerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * STUDY.md row 8, adapter norm–effect correlation. The norms come from the {@code adapter-norms}
 * probe: published, a layer's norm is the root-sum-square of the Frobenius norms of all its LoRA A and
 * B matrices ({@code ab_rss}, dominated by the random initialisation of A); corrected, the norm of the
 * update itself, the root-sum-square of {@code (α/r)·‖B·A‖_F} over the layer's modules ({@code
 * delta_rss}). A layer's effect is a KL at the last position, averaged over each family's prompts, then
 * over families: published, KL(trained ‖ trained with block L's {@code resid_post} replaced at every
 * position by the base model's on the same prompt), which carries every earlier layer's change too
 * (cumulative: the last layer's effect is the whole adapter's); corrected, KL(trained ‖ trained with
 * block L's own contribution, {@code blocks.L.contribution} = attn_out + mlp_out, replaced at every
 * position by the base model's contribution of that block on the same prompt): the base model's block L
 * patched into the trained model, one layer's own change at a time. Published: Pearson over layers of
 * {@code ab_rss} and its effect. Corrected: Pearson and Spearman of {@code delta_rss} and its effect,
 * with 95% bootstrap intervals (prompts resampled within families, the effects recomputed, the
 * correlation taken again); with fewer than {@value #MIN_LAYERS} layers the correlation is flagged (a
 * handful of points is no correlation, and its bootstrap can only take a few values).
 */
final class AdapterNormEffect implements Experiment {
    static final String DIMENSION = "Adapter norm–effect correlation";
    /** The probe that reads the adapter's norms. */
    static final String NORMS_PROBE = "adapter-norms";
    /** The fewest layers a correlation over layers is reported without a flag. */
    static final int MIN_LAYERS = 5;

    private final PerModel<AtlasScope> scopes;
    private final AtlasScope scope;
    private final TrainedModels trained;
    private final double flatCv;

    AdapterNormEffect(PerModel<AtlasScope> scopes, TrainedModels trained, double flatCv) {
        this.scopes = scopes;
        this.scope = scopes.common();
        this.trained = trained;
        this.flatCv = flatCv;
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(scopes, s -> s, context));
        problems.addAll(context.checkPlugin(PluginKind.PROBE, NORMS_PROBE, probeSettings(Path.of("adapter")), context.path()));
        problems.addAll(trained.validate(context, scope.models(context)));
        return problems;
    }

    private static Config probeSettings(Path adapter) {
        return ConfigFactory.parseMap(Map.of("adapter", adapter.toString()));
    }

    /**
     * Stage 1: per prompt that a protocol averages over, the base model reading every block's {@code
     * resid_post} (and, for the corrected contributions, {@code resid_pre}) at every position, then the
     * trained model's last logits (the reference).
     */
    private ForwardPlan sourcePlan(String base, String tuned, List<int[]> tokens, int layers, boolean[] used) {
        Readout readout = Readout.activation(HookPoint.block(0, HookSite.RESID_POST), Positions.ALL);
        for (int l = 0; l < layers; l++) {
            if (l > 0) {
                readout = readout.and(HookPoint.block(l, HookSite.RESID_POST), Positions.ALL);
            }
            if (scope.runs(Protocol.CORRECTED)) {
                readout = readout.and(HookPoint.block(l, HookSite.RESID_PRE), Positions.ALL);
            }
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int t = 0; t < tokens.size(); t++) {
            if (used[t]) {
                plan.add(new ForwardRequest(base, tokens.get(t), List.of(), readout));
                plan.add(ForwardRequest.clean(tuned, tokens.get(t)));
            }
        }
        return plan.build();
    }

    /**
     * Stage 2: per prompt, per protocol that averages over it ({@code averaged}, as {@link AtlasScope#averaged}), per
     * layer, the trained model with the base model's activation at that block: published, its resid_post; corrected,
     * its contribution.
     */
    private ForwardPlan patchPlan(String tuned, List<int[]> tokens, int layers, ProtocolPrompts averaged, Patches patch) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] at : averaged.layerPatches(layers)) {
            int t = at[0];
            int l = at[2];
            boolean published = scope.protocols().get(at[1]) == Protocol.PUBLISHED;
            plan.add(ForwardRequest.intervened(tuned, tokens.get(t), List.of(Intervention.replace(published ? Site.layerOutput(l)
                    : new Site.Contribution(l), Positions.ALL, patch.of(t, l, scope.protocols().get(at[1])), published
                    ? "the base model's resid_post" : "the base model's contribution"))));
        }
        return plan.build();
    }

    /** The base model's activation that replaces the trained model's: (prompt, layer, protocol) to the patch. */
    private interface Patches {
        TensorData of(int prompt, int layer, Protocol protocol);
    }

    /** The base model's contribution of a block, resid_post − resid_pre, from a stage-1 readout. */
    private static TensorData contribution(ForwardReadout base, int layer) {
        TensorData post = base.get(HookPoint.block(layer, HookSite.RESID_POST));
        float[] pre = base.get(HookPoint.block(layer, HookSite.RESID_PRE)).data();
        float[] delta = post.data().clone();
        for (int i = 0; i < delta.length; i++) {
            delta[i] -= pre[i];
        }
        return new TensorData(post.shape(), delta);
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : scope.models(context)) {
            // stage 2 is built with zero patches of each prompt's shape in place of stage 1's readouts: its size and schedule
            // depend on the prompts and layers alone
            String tuned = trained.plannedKey(name);
            AtlasScope own = scopes.of(name);
            List<int[]> tokens = own.tokens(context, name);
            ProtocolPrompts averaged = own.averaged(own.tasks(context));
            int layers = context.modelConfig(name).numLayers();
            int width = context.modelConfig(name).hiddenSize();
            List<TensorData> zeros = tokens.stream().map(p -> new TensorData(new long[] {1, p.length, width}, new float[p.length * width]))
                    .toList();
            plans.add(sourcePlan(name, tuned, tokens, layers, averaged.used()));
            plans.add(patchPlan(tuned, tokens, layers, averaged, (t, l, protocol) -> zeros.get(t)));
        }
        return plans;
    }

    @Override
    public String describe() {
        return "atlas adapter norm–effect: per-layer LoRA norms of " + trained.describe() + " against KL(trained ‖ trained with the"
                + " base model's resid_post at L (published) or its block L contribution (corrected)), suite '" + scope.suite() + "' (split "
                + scope.split() + ")" + (scope.published().all() ? "" : ", published on " + scope.published().describe()) + "; "
                + scope.rows().describe() + (scopes.varies() ? ", with per-model prompts" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> layerRows = new ArrayList<>();
        List<List<Object>> seriesRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        List<List<Object>> correlationRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        for (String name : scope.models(context)) {
            Path adapter = trained.adapter(context, name);
            Model base = context.model(name);
            String tuned = trained.key(context, name);
            int layers = context.modelConfig(name).numLayers();
            Norms norms = norms(context, adapter, base, layers);

            AtlasScope own = scopes.of(name);
            List<Task> tasks = own.tasks(context);
            List<int[]> tokens = own.tokens(context, name);
            List<Protocol> protocols = scope.protocols();
            ProtocolPrompts averaged = own.averaged(tasks);
            boolean[] used = averaged.used();
            ForwardPlan sources = sourcePlan(name, tuned, tokens, layers, used);
            List<ForwardReadout> stage1 = context.forwards(sources, progress);
            forwards += sources.size();
            // prompt t's base run is stage-1 request source[t], its trained reference the next
            int[] source = new int[tasks.size()];
            for (int t = 0, next = 0; t < tasks.size(); t++) {
                source[t] = used[t] ? next : -1;
                next += used[t] ? 2 : 0;
            }
            ForwardPlan patches = patchPlan(tuned, tokens, layers, averaged, (t, l, protocol) -> protocol == Protocol.PUBLISHED
                    ? stage1.get(source[t]).get(HookPoint.block(l, HookSite.RESID_POST)) : contribution(stage1.get(source[t]), l));
            // kl[protocol][layer][prompt]: KL(trained ‖ trained with the base model's resid_post / contribution at layer), NaN
            // on a prompt the protocol does not average over
            Map<Protocol, double[][]> kls = averaged.layerPatchKls(context, patches, progress, protocols, layers,
                    t -> stage1.get(source[t] + 1).lastLogits(), compare);
            forwards += patches.size();
            for (int[] at : averaged.layerPatches(layers)) {
                Task task = tasks.get(at[0]);
                Protocol protocol = protocols.get(at[1]);
                promptRows.add(Arrays.asList(name, protocol.configName(), at[2], task.id(), task.family(), kls.get(protocol)[at[2]][at[0]]));
            }
            Map<Protocol, double[]> effects = new EnumMap<>(Protocol.class);
            kls.forEach((protocol, values) -> effects.put(protocol, effects(values, own.families(protocol, tasks))));
            int[][] families = own.families(Protocol.CORRECTED, tasks);
            for (int l = 0; l < layers; l++) {
                Double residPost = effects.containsKey(Protocol.PUBLISHED) ? effects.get(Protocol.PUBLISHED)[l] : null;
                Double contribution = effects.containsKey(Protocol.CORRECTED) ? effects.get(Protocol.CORRECTED)[l] : null;
                layerRows.add(Arrays.asList(name, l, norms.modules()[l], norms.ab()[l], norms.delta()[l], residPost, contribution));
                for (Map.Entry<Protocol, double[]> e : effects.entrySet()) {
                    seriesRows.add(Arrays.asList(name, l, name + " " + (e.getKey() == Protocol.PUBLISHED ? "resid-post effect"
                            : "contribution effect"), e.getValue()[l]));
                }
                seriesRows.add(Arrays.asList(name, l, name + " ab-norm", norms.ab()[l]));
                seriesRows.add(Arrays.asList(name, l, name + " update-norm", norms.delta()[l]));
            }
            summary.put("prompts." + name, tasks.size());
            if (scope.runs(Protocol.PUBLISHED)) {
                summary.put("published-prompts." + name, PromptSet.members(own.families(Protocol.PUBLISHED, tasks)).length);
            }
            double cv = norms.abCv();
            atlas.value("adapter-norm-effect.norm-cv", null, name, cv, fmt(cv));
            if (scope.runs(Protocol.PUBLISHED)) {
                double published = compare.pearson(norms.ab(), effects.get(Protocol.PUBLISHED));
                correlationRows.add(Arrays.asList(name, Protocol.PUBLISHED.configName(), "ab-norm", "pearson", published, null, null));
                atlas.value("adapter-norm-effect.pearson", Protocol.PUBLISHED, name, published, fmt(published));
                if (cv < flatCv) {
                    atlas.artefact(Protocol.PUBLISHED, name, "norms nearly flat: random init of A dominates (the A+B norm per layer"
                            + " varies by a coefficient of variation of " + fmt(cv) + " < " + flatCv + " around " + fmt(norms.abMean())
                            + "; A holds " + String.format(Locale.ROOT, "%.1f%%", 100 * norms.aShare()) + " of its squared norm)");
                }
            }
            if (scope.runs(Protocol.CORRECTED)) {
                double[][] kl = kls.get(Protocol.CORRECTED);
                double[] effect = effects.get(Protocol.CORRECTED);
                double pearson = compare.pearson(norms.delta(), effect);
                double spearman = compare.spearman(norms.delta(), effect);
                List<String> identities = PromptSet.identities(tasks);
                AtlasRows.Sample pearsonSample = new AtlasRows.Sample(identities, families, drawn -> compare.pearson(norms.delta(),
                        effects(kl, drawn)), Stats.cellSeed(context.seed(), DIMENSION, name, "pearson"));
                AtlasRows.Sample spearmanSample = new AtlasRows.Sample(identities, families, drawn -> compare.spearman(norms.delta(),
                        effects(kl, drawn)), Stats.cellSeed(context.seed(), DIMENSION, name, "spearman"));
                Stats.Distribution pearsonDistribution = Stats.bootstrapDistribution(families, pearsonSample.statistic(),
                        pearsonSample.seed());
                double[] pearsonCi = pearsonDistribution.interval();
                double[] spearmanCi = spearmanSample.interval();
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "update-norm", "pearson", pearson, pearsonCi[0],
                        pearsonCi[1]));
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "update-norm", "spearman", spearman, spearmanCi[0],
                        spearmanCi[1]));
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "ab-norm", "spearman",
                        compare.spearman(norms.ab(), effect), null, null));
                atlas.value("adapter-norm-effect.pearson", Protocol.CORRECTED, name, pearson, fmt(pearson), pearsonCi, pearsonSample);
                atlas.value("adapter-norm-effect.spearman", Protocol.CORRECTED, name, spearman, fmt(spearman), spearmanCi, spearmanSample);
                if (layers < MIN_LAYERS) {
                    atlas.artefact(Protocol.CORRECTED, name, "a correlation over " + layers + " layers (fewer than " + MIN_LAYERS
                            + "): a handful of points, whose bootstrap can take only a few values; read the per-layer effects instead");
                }
                if (scope.runs(Protocol.PUBLISHED)) {
                    double published = compare.pearson(norms.ab(), effects.get(Protocol.PUBLISHED));
                    atlas.test("adapter-norm-effect.pearson", name, published, pearson, pearsonDistribution, "Pearson r over layers:"
                            + " published (A+B norm) " + fmt(published) + ", corrected (update norm (α/r)·‖B·A‖) " + fmt(pearson) + " ["
                            + fmt(pearsonCi[0]) + ", " + fmt(pearsonCi[1]) + "]");
                }
            }
        }
        summary.put("models", scope.models(context).size());
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("norm-effect-layers", List.of("model", "layer", "modules", "ab_norm", "update_norm", "resid_post_effect",
                "contribution_effect"), layerRows));
        tables.add(new Table("norm-effect-series", List.of("model", "layer", "series", "value"), seriesRows));
        tables.add(new Table("norm-effect-correlations", List.of("model", "protocol", "norm", "method", "r", "ci_low", "ci_high"),
                correlationRows));
        tables.add(new Table("norm-effect-prompts", List.of("model", "protocol", "layer", "task", "family", "kl"), promptRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("adapter norm and layer effect by layer", ChartType.LINE_PER_SERIES, "norm-effect-series", "layer",
                "series", "value"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** The per-layer effects: each layer's KLs averaged per family, then over families. */
    private static double[] effects(double[][] kl, int[][] families) {
        double[] out = new double[kl.length];
        for (int l = 0; l < kl.length; l++) {
            out[l] = Stats.familyMean(kl[l], families);
        }
        return out;
    }

    /**
     * The adapter's per-layer norms from the {@code adapter-norms} probe.
     *
     * @param modules the adapted modules per layer
     * @param ab the root-sum-square of ‖A‖_F and ‖B‖_F per layer (published)
     * @param delta the root-sum-square of (α/r)·‖B·A‖_F per layer (corrected)
     * @param aSquares Σ ‖A‖_F² over every module in a block
     * @param bSquares Σ ‖B‖_F² over every module in a block
     */
    private record Norms(int[] modules, double[] ab, double[] delta, double aSquares, double bSquares) {
        /** The coefficient of variation (population standard deviation / mean) of ab over adapted layers. */
        double abCv() {
            double[] adapted = adapted();
            if (adapted.length == 0) {
                return Double.NaN;
            }
            double mean = Stats.mean(adapted);
            double variance = 0;
            for (double v : adapted) {
                variance += (v - mean) * (v - mean);
            }
            return Math.sqrt(variance / adapted.length) / mean;
        }

        double abMean() {
            double[] adapted = adapted();
            return adapted.length == 0 ? Double.NaN : Stats.mean(adapted);
        }

        double aShare() {
            return aSquares / (aSquares + bSquares);
        }

        private double[] adapted() {
            List<Double> values = new ArrayList<>();
            for (int l = 0; l < ab.length; l++) {
                if (modules[l] > 0) {
                    values.add(ab[l]);
                }
            }
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private Norms norms(StudyContext context, Path adapter, Model base, int layers) {
        ProbeResult result;
        try {
            result = context.probe(NORMS_PROBE, probeSettings(adapter)).run(new ProbeContext(Optional.of(base), Map.of()));
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), context.path() + "." + TrainedModels.SETTING + ": probe '" + NORMS_PROBE + "' on "
                    + adapter + ": " + e.getMessage(), e);
        }
        double[] ab = toDoubles(result.tensor("ab-rss").data());
        double[] delta = toDoubles(result.tensor("delta-rss").data());
        int[] modules = new int[layers];
        double a = 0;
        double b = 0;
        for (Map<String, Object> row : result.rows()) {
            if ("module".equals(row.get("kind")) && ((Number) row.get("layer")).intValue() >= 0) {
                modules[((Number) row.get("layer")).intValue()]++;
                double an = ((Number) row.get("a_fro")).doubleValue();
                double bn = ((Number) row.get("b_fro")).doubleValue();
                a += an * an;
                b += bn * bn;
            }
        }
        return new Norms(modules, ab, delta, a, b);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
