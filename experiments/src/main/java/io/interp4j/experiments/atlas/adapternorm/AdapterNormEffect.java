package io.interp4j.experiments.atlas.adapternorm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
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
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * STUDY.md row 8, adapter norm–effect correlation. The norms come from the {@code adapter-norms}
 * probe: published, a layer's norm is the root-sum-square of the Frobenius norms of all its LoRA A and
 * B matrices ({@code ab_rss}, dominated by the random initialisation of A); corrected, the norm of the
 * update itself, the root-sum-square of {@code (α/r)·‖B·A‖_F} over the layer's modules ({@code
 * delta_rss}). A layer's effect is KL(trained ‖ trained with block L's {@code resid_post} replaced at
 * every position by the base model's on the same prompt) at the last position, averaged over each
 * family's prompts, then over families. Published: Pearson over layers of {@code ab_rss} and the
 * effect. Corrected: Pearson and Spearman of {@code delta_rss} and the effect, with 95% bootstrap
 * intervals (prompts resampled within families, the effects recomputed, the correlation taken again).
 */
final class AdapterNormEffect implements Experiment {
    static final String DIMENSION = "Adapter norm–effect correlation";
    /** The probe that reads the adapter's norms. */
    static final String NORMS_PROBE = "adapter-norms";

    private final AtlasScope scope;
    private final TrainedModels trained;
    private final double flatCv;

    AdapterNormEffect(AtlasScope scope, TrainedModels trained, double flatCv) {
        this.scope = scope;
        this.trained = trained;
        this.flatCv = flatCv;
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<String> validate(StudyContext context) {
        List<String> problems = new ArrayList<>(scope.validate(context));
        problems.addAll(context.checkPlugin(PluginKind.PROBE, NORMS_PROBE, probeSettings(Path.of("adapter")), context.path()));
        return problems;
    }

    private static Config probeSettings(Path adapter) {
        return ConfigFactory.parseMap(Map.of("adapter", adapter.toString()));
    }

    /**
     * Stage 1: per prompt, the base model reading every block's {@code resid_post} at every position
     * (the patches), then the trained model's last logits (the reference).
     */
    private static ForwardPlan sourcePlan(String base, String tuned, List<int[]> tokens, int layers) {
        Readout readout = Readout.activation(HookPoint.block(0, HookSite.RESID_POST), Positions.ALL);
        for (int l = 1; l < layers; l++) {
            readout = readout.and(HookPoint.block(l, HookSite.RESID_POST), Positions.ALL);
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : tokens) {
            plan.add(new ForwardRequest(base, prompt, List.of(), readout));
            plan.add(ForwardRequest.clean(tuned, prompt));
        }
        return plan.build();
    }

    /** Stage 2: per prompt, per layer, the trained model with that block's resid_post replaced at every position. */
    private static ForwardPlan patchPlan(String tuned, List<int[]> tokens, int layers, BiFunction<Integer, Integer, TensorData> patch) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int t = 0; t < tokens.size(); t++) {
            for (int l = 0; l < layers; l++) {
                plan.add(ForwardRequest.intervened(tuned, tokens.get(t), List.of(Intervention.replace(Site.layerOutput(l), Positions.ALL,
                        patch.apply(t, l), "the base model's resid_post"))));
            }
        }
        return plan.build();
    }

    private List<int[]> encode(StudyContext context, List<Task> tasks, String model) {
        Tokenizer tokenizer = context.tokenizer(model);
        return tasks.stream().map(task -> scope.encode(context, tokenizer, task, task.prompt())).toList();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<Task> tasks = scope.tasks(context);
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : scope.models(context)) {
            // stage 2 is built with zero patches of each prompt's shape in place of stage 1's readouts: its size and schedule
            // depend on the prompts and layers alone
            String tuned = trained.plannedKey(name);
            List<int[]> tokens = encode(context, tasks, name);
            int layers = context.modelConfig(name).numLayers();
            int width = context.modelConfig(name).hiddenSize();
            List<TensorData> zeros = tokens.stream().map(p -> new TensorData(new long[] {1, p.length, width}, new float[p.length * width]))
                    .toList();
            plans.add(sourcePlan(name, tuned, tokens, layers));
            plans.add(patchPlan(tuned, tokens, layers, (t, l) -> zeros.get(t)));
        }
        return plans;
    }

    @Override
    public String describe() {
        return "atlas adapter norm–effect: per-layer LoRA norms of " + trained.describe() + " against KL(trained ‖ trained with the"
                + " base model's resid_post at L), suite '" + scope.suite() + "' (split " + scope.split() + "); " + scope.rows().describe();
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        List<Task> tasks = scope.tasks(context);
        int[][] families = Stats.families(tasks.stream().map(Task::family).toList());
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

            List<int[]> tokens = encode(context, tasks, name);
            ForwardPlan sources = sourcePlan(name, tuned, tokens, layers);
            List<ForwardReadout> stage1 = context.forwards(sources, progress);
            forwards += sources.size();
            ForwardPlan patches = patchPlan(tuned, tokens, layers,
                    (t, l) -> stage1.get(2 * t).get(HookPoint.block(l, HookSite.RESID_POST)));
            List<ForwardReadout> stage2 = context.forwards(patches, progress);
            forwards += patches.size();
            // kl[layer][prompt]: KL(trained ‖ trained with the base model's resid_post at layer)
            double[][] kl = new double[layers][tasks.size()];
            int next = 0;
            for (int t = 0; t < tasks.size(); t++) {
                Task task = tasks.get(t);
                float[] reference = stage1.get(2 * t + 1).lastLogits();
                for (int l = 0; l < layers; l++) {
                    kl[l][t] = compare.kl(reference, stage2.get(next++).lastLogits());
                    promptRows.add(Arrays.asList(name, l, task.id(), task.family(), kl[l][t]));
                }
            }
            double[] effect = effects(kl, families);
            for (int l = 0; l < layers; l++) {
                layerRows.add(Arrays.asList(name, l, norms.modules()[l], norms.ab()[l], norms.delta()[l], effect[l]));
                seriesRows.add(Arrays.asList(name, l, name + " effect", effect[l]));
                seriesRows.add(Arrays.asList(name, l, name + " ab-norm", norms.ab()[l]));
                seriesRows.add(Arrays.asList(name, l, name + " update-norm", norms.delta()[l]));
            }
            long seed = context.seed() * 31 + name.hashCode();
            double cv = norms.abCv();
            atlas.value("adapter-norm-effect.norm-cv", null, name, cv, fmt(cv));
            double published = compare.pearson(norms.ab(), effect);
            correlationRows.add(Arrays.asList(name, Protocol.PUBLISHED.configName(), "ab-norm", "pearson", published, null, null));
            if (scope.runs(Protocol.PUBLISHED)) {
                atlas.value("adapter-norm-effect.pearson", Protocol.PUBLISHED, name, published, fmt(published));
                if (cv < flatCv) {
                    atlas.artefact(Protocol.PUBLISHED, name, "norms nearly flat: random init of A dominates (the A+B norm per layer"
                            + " varies by a coefficient of variation of " + fmt(cv) + " < " + flatCv + " around " + fmt(norms.abMean())
                            + "; A holds " + String.format(Locale.ROOT, "%.1f%%", 100 * norms.aShare()) + " of its squared norm)");
                }
            }
            if (scope.runs(Protocol.CORRECTED)) {
                double pearson = compare.pearson(norms.delta(), effect);
                double spearman = compare.spearman(norms.delta(), effect);
                double[] pearsonCi = Stats.bootstrapFamilies(families, drawn -> compare.pearson(norms.delta(), effects(kl, drawn)),
                        Stats.cellSeed(context.seed(), DIMENSION, name, "pearson"));
                double[] spearmanCi = Stats.bootstrapFamilies(families, drawn -> compare.spearman(norms.delta(), effects(kl, drawn)),
                        Stats.cellSeed(context.seed(), DIMENSION, name, "spearman"));
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "update-norm", "pearson", pearson, pearsonCi[0],
                        pearsonCi[1]));
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "update-norm", "spearman", spearman, spearmanCi[0],
                        spearmanCi[1]));
                correlationRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "ab-norm", "spearman",
                        compare.spearman(norms.ab(), effect), null, null));
                atlas.value("adapter-norm-effect.pearson", Protocol.CORRECTED, name, pearson, fmt(pearson), pearsonCi);
                atlas.value("adapter-norm-effect.spearman", Protocol.CORRECTED, name, spearman, fmt(spearman), spearmanCi);
                if (scope.runs(Protocol.PUBLISHED) && !(published >= pearsonCi[0] && published <= pearsonCi[1])) {
                    atlas.disagreement(name, "Pearson r over layers: published (A+B norm) " + fmt(published) + ", corrected (update norm"
                            + " (α/r)·‖B·A‖) " + fmt(pearson) + " [" + fmt(pearsonCi[0]) + ", " + fmt(pearsonCi[1]) + "]");
                }
            }
        }
        summary.put("models", scope.models(context).size());
        summary.put("prompts", tasks.size());
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("norm-effect-layers", List.of("model", "layer", "modules", "ab_norm", "update_norm", "effect"), layerRows));
        tables.add(new Table("norm-effect-series", List.of("model", "layer", "series", "value"), seriesRows));
        tables.add(new Table("norm-effect-correlations", List.of("model", "protocol", "norm", "method", "r", "ci_low", "ci_high"),
                correlationRows));
        tables.add(new Table("norm-effect-prompts", List.of("model", "layer", "task", "family", "kl"), promptRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("adapter norm and layer effect by layer", ChartType.LINE_PER_SERIES, "norm-effect-series", "layer",
                "series", "value"));
        return new StepResult(tables, charts, summary);
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
