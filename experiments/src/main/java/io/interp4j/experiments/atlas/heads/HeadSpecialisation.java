package io.interp4j.experiments.atlas.heads;

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
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ReadoutPairs;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.common.PerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Ablates one attention head (or output slice) at a time, at every position, and measures KL(clean ‖
 * ablated) at the last position per prompt; a cell's value is the mean of family means.
 *
 * <p>Published {@code slice} zeroes columns {@code [h·d_head, (h+1)·d_head)} of {@code hook_attn_out},
 * the attention output after o_proj: a slice of the mixed output of every head, not a head. Published
 * {@code head} zeroes head h's input columns to o_proj; o_proj has no bias, so this is zeroing head h of
 * {@code attn.hook_z}, which is what runs. The published scan covers {@code published-layers} (the seed's 1.5B
 * head scan: layers 0..5; its 0.5B slice scan: a list of layers), and each model may have its own recipe
 * ({@link PerModel}). Corrected
 * zeroes {@code attn.hook_z} head h in every layer; hook_z is per query head, so under GQA the query
 * heads sharing a KV head are ablated one by one (the tables give each head's KV head). An ablation the
 * two protocols share (published {@code head} inside its layers) runs once.
 */
final class HeadSpecialisation implements Experiment {
    static final String DIMENSION = "Head specialisation";

    /** The published ablation. */
    enum Variant {
        /** A d_head-wide slice of hook_attn_out (the seed's 0.5B run). */
        SLICE,
        /** Head h's input columns to o_proj, i.e. hook_z head h (the seed's 1.5B run). */
        HEAD;

        static Variant parse(String text) {
            return switch (text) {
                case "slice" -> SLICE;
                case "head" -> HEAD;
                default -> null;
            };
        }

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One ablation: a slice of hook_attn_out or a head of hook_z, in one layer. */
    private record Ablation(boolean slice, int layer, int slot) {
        /**
         * A head is zeroed at {@code attn.hook_z}; a slice of {@code hook_attn_out} is a gate of ones with
         * zeros over columns {@code [slot·d_head, (slot+1)·d_head)}.
         */
        Intervention intervention(ModelConfig config) {
            if (!slice) {
                return Intervention.zero(new Site.AtHook(HookPoint.block(layer, HookSite.ATTN_Z)), Positions.ALL).withHeads(List.of(slot));
            }
            float[] gate = new float[config.hiddenSize()];
            java.util.Arrays.fill(gate, 1f);
            java.util.Arrays.fill(gate, slot * config.headDim(), (slot + 1) * config.headDim(), 0f);
            return Intervention.multiply(new Site.AtHook(HookPoint.block(layer, HookSite.ATTN_OUT)), Positions.ALL, TensorData.vector(gate),
                    "d_head slice " + slot);
        }

        String describe(ModelConfig config) {
            return slice ? "hook_attn_out[" + slot * config.headDim() + ":" + (slot + 1) * config.headDim() + "] zeroed"
                    : "attn.hook_z head " + slot + " zeroed";
        }
    }

    /** A cell of one protocol's grid: its family-mean KL and, for the corrected protocol, its interval. */
    private record Cell(Ablation ablation, double kl, double[] ci) {}

    /**
     * One model's settings: its prompts, and the published ablation and the layers it scans.
     *
     * @param scope the models, protocols and prompts
     * @param variant the published ablation
     * @param layers the layers the published scan covers
     */
    record Recipe(AtlasScope scope, Variant variant, LayerScan layers) {}

    private final PerModel<Recipe> recipes;
    private final AtlasScope scope;

    HeadSpecialisation(PerModel<Recipe> recipes) {
        this.recipes = recipes;
        this.scope = recipes.common().scope();
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
            int layers = context.modelConfig(model).numLayers();
            recipe.layers().outside(layers).ifPresent(layer -> problems.add(new Problem(where + ".published-layers", "layer " + layer
                    + " is outside model '" + model + "' (" + layers + " layers: 0.." + (layers - 1) + ")")));
        }
        return problems;
    }

    /** The ablations of one protocol on one model, in scan order (layer, then head or slice). */
    private List<Ablation> grid(Protocol protocol, ModelConfig config, Recipe recipe) {
        List<Ablation> out = new ArrayList<>();
        boolean published = protocol == Protocol.PUBLISHED;
        boolean slice = published && recipe.variant() == Variant.SLICE;
        int[] layers = published ? recipe.layers().layers(config.numLayers()) : IntStream.range(0, config.numLayers()).toArray();
        int slots = slice ? config.hiddenSize() / config.headDim() : config.numHeads();
        for (int layer : layers) {
            for (int slot = 0; slot < slots; slot++) {
                out.add(new Ablation(slice, layer, slot));
            }
        }
        return out;
    }

    /** Every distinct ablation the step runs on one model. */
    private Set<Ablation> ablations(ModelConfig config, Recipe recipe) {
        Set<Ablation> all = new LinkedHashSet<>();
        for (Protocol protocol : scope.protocols()) {
            all.addAll(grid(protocol, config, recipe));
        }
        return all;
    }

    /**
     * The forwards of one model and what each is: every prompt a protocol averages over clean, then every
     * distinct ablation on the prompts of the protocols whose grid holds it (a published-only slice on the
     * published prompts alone: the other prompts' KLs would enter no cell), each reading the last position's
     * logits.
     *
     * @param plan the requests
     * @param ablation request i's ablation, -1 for a clean request
     * @param prompt request i's prompt
     * @param clean the request of each prompt's clean run, -1 for a prompt no protocol averages over
     */
    private record Planned(ForwardPlan plan, int[] ablation, int[] prompt, int[] clean) {}

    private Planned plan(String model, ModelConfig config, List<int[]> prompts, List<Task> tasks) {
        Recipe recipe = recipes.of(model);
        Map<Protocol, Set<Integer>> members = new LinkedHashMap<>();
        for (Protocol protocol : scope.protocols()) {
            members.put(protocol, new java.util.TreeSet<>(Arrays.stream(PromptSet.members(recipe.scope().families(protocol, tasks)))
                    .boxed().toList()));
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        List<Integer> ablationOf = new ArrayList<>();
        List<Integer> promptOf = new ArrayList<>();
        int[] clean = new int[prompts.size()];
        Arrays.fill(clean, -1);
        Set<Integer> averaged = new java.util.TreeSet<>();
        members.values().forEach(averaged::addAll);
        for (int p : averaged) {
            clean[p] = ablationOf.size();
            plan.add(ForwardRequest.clean(model, prompts.get(p)));
            ablationOf.add(-1);
            promptOf.add(p);
        }
        List<Ablation> ablations = List.copyOf(ablations(config, recipe));
        Map<Protocol, Set<Ablation>> grids = new LinkedHashMap<>();
        scope.protocols().forEach(protocol -> grids.put(protocol, new java.util.HashSet<>(grid(protocol, config, recipe))));
        for (int a = 0; a < ablations.size(); a++) {
            Ablation ablation = ablations.get(a);
            List<Intervention> interventions = List.of(ablation.intervention(config));
            Set<Integer> on = new java.util.TreeSet<>();
            for (Protocol protocol : scope.protocols()) {
                if (grids.get(protocol).contains(ablation)) {
                    on.addAll(members.get(protocol));
                }
            }
            for (int p : on) {
                plan.add(ForwardRequest.intervened(model, prompts.get(p), interventions));
                ablationOf.add(a);
                promptOf.add(p);
            }
        }
        return new Planned(plan.build(), ablationOf.stream().mapToInt(Integer::intValue).toArray(),
                promptOf.stream().mapToInt(Integer::intValue).toArray(), clean);
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            AtlasScope own = recipes.of(model).scope();
            plans.add(plan(model, context.modelConfig(model), own.tokens(context, model), own.tasks(context)).plan());
        }
        return plans;
    }

    @Override
    public String describe() {
        Recipe recipe = recipes.common();
        return "head-specialisation: family-mean KL(clean ‖ ablated) at the last position with one attention head zeroed at a time"
                + " (published: " + (recipe.variant() == Variant.SLICE ? "a d_head-wide slice of hook_attn_out" : "hook_z head")
                + " in " + recipe.layers().describe() + "; corrected: hook_z head in every layer, 95% stratified bootstrap intervals), "
                + scope.describe() + (recipes.varies() ? ", with per-model settings" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        int[][] families = null;
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> cells = new ArrayList<>();
        List<List<Object>> perFamily = new ArrayList<>();
        List<Table> heatmaps = new ArrayList<>();
        List<Chart> charts = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        for (String name : scope.models(context)) {
            Recipe recipe = recipes.of(name);
            List<Task> tasks = recipe.scope().tasks(context);
            PromptSet set = recipe.scope().prepare(context, name);
            ModelConfig config = set.model().config();
            List<int[]> prompts = set.tokens();
            families = set.families();
            Planned planned = plan(name, config, prompts, tasks);
            ForwardPlan plan = planned.plan();
            int n = prompts.size();
            List<Ablation> ablations = List.copyOf(ablations(config, recipe));
            // NaN where an ablation did not run on a prompt: no protocol that holds it averages over that prompt
            double[][] perAblation = new double[ablations.size()][n];
            Arrays.stream(perAblation).forEach(row -> Arrays.fill(row, Double.NaN));
            // each intervened request is read against its prompt's clean request; the readouts stream past: a scan's
            // last-position logits together would not fit in memory
            int[] clean = planned.clean();
            int[] ablationOf = planned.ablation();
            int[] promptOf = planned.prompt();
            ReadoutPairs pairs = ReadoutPairs.lastLogits(i -> clean[promptOf[i]], (i, ablated, reference) ->
                    perAblation[ablationOf[i]][promptOf[i]] = compare.kl(reference, ablated));
            context.forwards(plan, progress, pairs);
            pairs.requireComplete();
            forwards += plan.size();
            Map<Ablation, double[]> kl = new LinkedHashMap<>();
            for (int a = 0; a < ablations.size(); a++) {
                kl.put(ablations.get(a), perAblation[a]);
            }
            Map<Protocol, Cell> best = new LinkedHashMap<>();
            for (Protocol protocol : scope.protocols()) {
                // the prompts the protocol averages over: the published protocol's may be a subset
                int[][] averaged = set.families(protocol);
                List<Cell> grid = new ArrayList<>();
                List<List<Object>> heat = new ArrayList<>();
                for (Ablation ablation : grid(protocol, config, recipe)) {
                    double[] values = kl.get(ablation);
                    double mean = Stats.familyMean(values, averaged);
                    double[] ci = protocol == Protocol.CORRECTED ? Stats.bootstrapFamilyMean(values, averaged,
                            Stats.cellSeed(context.seed(), DIMENSION, name, ablation.describe(config))) : null;
                    Cell cell = new Cell(ablation, mean, ci);
                    grid.add(cell);
                    cells.add(Arrays.asList(name, protocol.configName(), ablation.layer(), ablation.slot(),
                            ablation.slice() ? null : config.kvHeadOf(ablation.slot()), ablation.describe(config), mean,
                            ci == null ? null : ci[0], ci == null ? null : ci[1]));
                    heat.add(List.of(ablation.layer(), ablation.slot(), mean));
                }
                Cell top = grid.get(0);
                for (Cell cell : grid) {
                    if (cell.kl() > top.kl()) {
                        top = cell;
                    }
                }
                best.put(protocol, top);
                for (int f = 0; f < averaged.length; f++) {
                    Cell topOfFamily = null;
                    double topValue = Double.NEGATIVE_INFINITY;
                    for (Cell cell : grid) {
                        double[] values = kl.get(cell.ablation());
                        double familyMean = Stats.familyMean(values, new int[][] {averaged[f]});
                        if (familyMean > topValue) {
                            topValue = familyMean;
                            topOfFamily = cell;
                        }
                    }
                    perFamily.add(Arrays.asList(name, protocol.configName(), tasks.get(averaged[f][0]).family(),
                            topOfFamily.ablation().layer(), topOfFamily.ablation().slot(), topValue,
                            topOfFamily.ablation().equals(top.ablation())));
                }
                String table = "heads-" + name + "-" + protocol.configName();
                heatmaps.add(new Table(table, List.of("layer", "head", "kl"), heat));
                charts.add(new Chart(name + ", " + protocol.configName() + ": family-mean KL with one "
                        + (grid.get(0).ablation().slice() ? "d_head slice of hook_attn_out" : "head (hook_z)") + " zeroed",
                        ChartType.HEATMAP, table, "head", "layer", "kl"));
                Stats.Selection selection = null;
                AtlasRows.Sample sample = null;
                if (protocol == Protocol.CORRECTED) {
                    // the interval of the largest head effect, the top head chosen again in every resample
                    int[][] drawnFamilies = averaged;
                    long topSeed = Stats.cellSeed(context.seed(), DIMENSION, name, "top-head");
                    selection = Stats.bootstrapSelection(drawnFamilies, grid.size(), (c, drawn) -> Stats.familyMean(
                            kl.get(grid.get(c).ablation()), drawn), grid.indexOf(top), topSeed);
                    sample = new AtlasRows.Sample(PromptSet.identities(tasks), drawnFamilies, drawn -> grid.stream()
                            .mapToDouble(c -> Stats.familyMean(kl.get(c.ablation()), drawn)).max().orElseThrow(), topSeed);
                }
                headline(atlas, protocol, name, config, top, selection, sample);
            }
            flags(atlas, name, config, recipe, kl, set.families(Protocol.PUBLISHED), best);
            summary.put(name + ".prompts", prompts.size());
            summary.put(name + ".published-variant", recipe.variant().configName());
            summary.put(name + ".published-layers", recipe.layers().describe());
        }
        summary.put("families", families == null ? 0 : families.length);
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("head-kl", List.of("model", "protocol", "layer", "head", "kv_head", "ablation", "kl", "ci_low", "ci_high"),
                cells));
        tables.add(new Table("top-head-per-family", List.of("model", "protocol", "family", "layer", "head", "kl", "is_overall_top"),
                perFamily));
        tables.addAll(heatmaps);
        tables.addAll(atlas.tables());
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    private void headline(AtlasRows atlas, Protocol protocol, String model, ModelConfig config, Cell top, Stats.Selection selection,
            AtlasRows.Sample sample) {
        Ablation a = top.ablation();
        String where = "L" + a.layer() + (a.slice() ? " slice " : " H") + a.slot();
        atlas.value("head-specialisation.kl", protocol, model, top.kl(), where + ", " + String.format(Locale.ROOT, "%.4g", top.kl())
                + (selection == null ? "" : String.format(Locale.ROOT, " (the top head in %.0f%% of resamples)", 100 * selection.stability())),
                selection == null ? null : selection.interval(), sample);
        atlas.value("head-specialisation.layer", protocol, model, a.layer(), "L" + a.layer());
        atlas.value("head-specialisation.head", protocol, model, a.slot(), a.slice() ? "slice " + a.slot() + " (not a head)"
                : "H" + a.slot() + " (KV " + config.kvHeadOf(a.slot()) + ")");
    }

    /**
     * Flags what the data shows: published slices that differ from the heads of the same index (the slice
     * is not a head), a largest corrected head outside the published layers, and protocols that disagree.
     */
    private void flags(AtlasRows atlas, String model, ModelConfig config, Recipe recipe, Map<Ablation, double[]> kl,
            int[][] families, Map<Protocol, Cell> best) {
        Cell published = best.get(Protocol.PUBLISHED);
        Cell corrected = best.get(Protocol.CORRECTED);
        if (published == null || corrected == null) {
            return;
        }
        if (recipe.variant() == Variant.SLICE) {
            double worst = -1;
            String example = "";
            for (Ablation slice : grid(Protocol.PUBLISHED, config, recipe)) {
                Ablation head = new Ablation(false, slice.layer(), slice.slot());
                if (!kl.containsKey(head)) {
                    continue;
                }
                double s = Stats.familyMean(kl.get(slice), families);
                double h = Stats.familyMean(kl.get(head), families);
                if (Math.abs(s - h) > worst) {
                    worst = Math.abs(s - h);
                    example = String.format(Locale.ROOT, "L%d slice %d %.4g vs head %d %.4g", slice.layer(), slice.slot(), s,
                            slice.slot(), h);
                }
            }
            if (worst > 1e-6) {
                atlas.artefact(Protocol.PUBLISHED, model, String.format(Locale.ROOT, "the published ablation zeroes a d_head-wide"
                        + " slice of the attention output after o_proj, which mixes every head: slice KLs differ from true-head"
                        + " (hook_z) KLs of the same index by up to %.4g (%s); published max %.4g vs corrected max %.4g", worst,
                        example, published.kl(), corrected.kl()));
            }
        } else if (!recipe.layers().covers(corrected.ablation().layer())) {
            atlas.artefact(Protocol.PUBLISHED, model, String.format(Locale.ROOT, "the published scan covers %s only; the"
                    + " largest head effect is at L%d H%d (KL %.4g), outside it (published max L%d H%d, %.4g)",
                    recipe.layers().describe(), corrected.ablation().layer(), corrected.ablation().slot(),
                    corrected.kl(), published.ablation().layer(), published.ablation().slot(), published.kl()));
        }
        if (published.ablation().layer() != corrected.ablation().layer() || published.ablation().slot() != corrected.ablation().slot()) {
            atlas.disagreement(model, String.format(Locale.ROOT, "largest effect: published L%d %s%d (%.4g), corrected L%d H%d (%.4g)",
                    published.ablation().layer(), published.ablation().slice() ? "slice " : "H", published.ablation().slot(),
                    published.kl(), corrected.ablation().layer(), corrected.ablation().slot(), corrected.kl()));
        }
    }
}
