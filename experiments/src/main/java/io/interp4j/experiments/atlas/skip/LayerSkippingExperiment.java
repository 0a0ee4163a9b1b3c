package io.interp4j.experiments.atlas.skip;

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
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ReadoutPairs;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.atlas.layerwise.Display;
import io.interp4j.experiments.atlas.layerwise.LayerProfile;
import io.interp4j.experiments.atlas.PromptSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The layer skipping row. Per model, one forward plan over every prompt (raw): one clean forward, then per
 * protocol one forward per (config, prompt) with every layer of the config skipped: published zeroes
 * {@code blocks.L.hook_resid_post} at every position (the original "skip", which is not one), corrected
 * zeroes {@code blocks.L.contribution} (attn_out + mlp_out), so the residual stream passes the block
 * unchanged. KL(full ‖ skipped) at the last position and the top-k overlap |top-k ∩ top-k| / k, family
 * means then their mean; the corrected numbers with 95% stratified-bootstrap intervals. In the
 * published data, configs that share their last zeroed layer are compared: zeroing the residual stream
 * erases every earlier layer, so their KLs coincide, which is flagged as an artefact.
 */
final class LayerSkippingExperiment implements Experiment {
    static final String DIMENSION = "Layer skipping viability";

    private final PerModel<AtlasScope> scopes;
    private final AtlasScope scope;
    private final List<int[]> explicit;
    private final int topK;
    private final double tolerance;

    LayerSkippingExperiment(PerModel<AtlasScope> scopes, List<int[]> explicit, int topK, double tolerance) {
        this.scopes = scopes;
        this.scope = scopes.common();
        this.explicit = explicit;
        this.topK = topK;
        this.tolerance = tolerance;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(scopes, s -> s, context));
        if (problems.isEmpty()) {
            for (String model : scope.models(context)) {
                int layers = context.modelConfig(model).numLayers();
                problems.addAll(SkipConfigs.check(explicit, model, layers, context.path()));
                if (topK > context.modelConfig(model).vocabSize()) {
                    problems.add(new Problem(context.path() + ".top-k", "found " + topK + "; allowed: 1.." + context.modelConfig(model).vocabSize()
                            + " (the vocabulary of model '" + model + "')"));
                }
            }
        }
        return problems;
    }

    /**
     * The forwards of one model: every prompt clean (request p is prompt p), then per protocol, config
     * by config, every prompt with the config's layers skipped; each reads the last position's logits.
     * {@link #measure} indexes the readouts in this order.
     */
    private ForwardPlan plan(String model, List<int[]> configs, List<int[]> prompts) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : prompts) {
            plan.add(ForwardRequest.clean(model, prompt));
        }
        for (Protocol protocol : scope.protocols()) {
            for (int[] config : configs) {
                List<Intervention> skips = skips(config, protocol);
                for (int[] prompt : prompts) {
                    plan.add(ForwardRequest.intervened(model, prompt, skips));
                }
            }
        }
        return plan.build();
    }

    /** Published zeroes each layer's output, corrected its contribution. */
    private static List<Intervention> skips(int[] config, Protocol protocol) {
        List<Intervention> skips = new ArrayList<>();
        for (int layer : config) {
            Site site = protocol == Protocol.PUBLISHED ? Site.layerOutput(layer) : new Site.Contribution(layer);
            skips.add(Intervention.zero(site, Positions.ALL));
        }
        return skips;
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            List<int[]> configs = SkipConfigs.resolve(explicit, context.modelConfig(model).numLayers());
            plans.add(plan(model, configs, scopes.of(model).tokens(context, model)));
        }
        return plans;
    }

    @Override
    public String describe() {
        return "layer skipping: KL(full ‖ skipped) and top-" + topK + " overlap at the last position for "
                + (explicit.isEmpty() ? "the seed's configs" : explicit.size() + " configs") + " (published: layer outputs zeroed;"
                + " corrected: contributions zeroed, a true skip), family means then their mean; " + scope.describe()
                + (scopes.varies() ? ", with per-model prompts" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        long seed = context.seed();
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> configRows = new ArrayList<>();
        List<List<Object>> familyRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        List<Table> chartTables = new ArrayList<>();
        List<Chart> charts = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String name : scope.models(context)) {
            PromptSet prompts = scopes.of(name).prepare(context, name);
            int layers = prompts.model().config().numLayers();
            List<int[]> configs = SkipConfigs.resolve(explicit, layers);
            List<String> labels = configs.stream().map(SkipConfigs::label).toList();
            int n = prompts.size();
            // request n + (protocol · configs + c) · n + p skips config c on prompt p, read against p's clean request as it
            // arrives (the skipped logits together would not fit in memory at a real vocabulary)
            double[][][] kl = new double[scope.protocols().size()][configs.size()][n];
            double[][][] overlap = new double[scope.protocols().size()][configs.size()][n];
            ReadoutPairs pairs = ReadoutPairs.lastLogits(i -> i % n, (i, skipped, clean) -> {
                int block = (i - n) / n;
                int protocol = block / configs.size();
                int c = block % configs.size();
                kl[protocol][c][i % n] = compare.kl(clean, skipped);
                overlap[protocol][c][i % n] = compare.topKOverlap(clean, skipped, topK);
            });
            context.forwards(plan(name, configs, prompts.tokens()), progress, pairs);
            pairs.requireComplete();
            Map<Protocol, Measured> byProtocol = new EnumMap<>(Protocol.class);
            List<List<Object>> klChart = new ArrayList<>();
            List<List<Object>> overlapChart = new ArrayList<>();
            for (int pi = 0; pi < scope.protocols().size(); pi++) {
                Protocol protocol = scope.protocols().get(pi);
                int[][] families = prompts.families(protocol);
                Measured m = new Measured(new LayerProfile(kl[pi], families), new LayerProfile(overlap[pi], families));
                byProtocol.put(protocol, m);
                boolean intervals = protocol == Protocol.CORRECTED;
                for (int c = 0; c < configs.size(); c++) {
                    double[] klCi = intervals ? m.kl.interval(c, Stats.cellSeed(seed, DIMENSION, name, protocol, "kl")) : null;
                    double[] overlapCi = intervals ? m.overlap.interval(c, Stats.cellSeed(seed, DIMENSION, name, protocol, "overlap")) : null;
                    int[] config = configs.get(c);
                    configRows.add(Arrays.asList(name, protocol.configName(), labels.get(c), Arrays.toString(config),
                            config[config.length - 1], config.length, m.kl.mean(c), klCi == null ? null : klCi[0],
                            klCi == null ? null : klCi[1], m.overlap.mean(c), overlapCi == null ? null : overlapCi[0],
                            overlapCi == null ? null : overlapCi[1]));
                    klChart.add(List.of(labels.get(c), protocol.configName(), m.kl.mean(c)));
                    overlapChart.add(List.of(labels.get(c), protocol.configName(), m.overlap.mean(c)));
                    // the families and prompts the protocol averages over
                    List<String> familyNames = prompts.familyNames(families);
                    for (int f = 0; f < familyNames.size(); f++) {
                        familyRows.add(List.of(name, protocol.configName(), labels.get(c), familyNames.get(f), m.kl.familyMean(c, f),
                                m.overlap.familyMean(c, f)));
                    }
                    for (int p : PromptSet.members(families)) {
                        Task task = prompts.tasks().get(p);
                        promptRows.add(List.of(name, protocol.configName(), labels.get(c), task.id(), task.family(), m.kl.value(c, p),
                                m.overlap.value(c, p)));
                    }
                }
                atlasRows(atlas, name, protocol, m, labels, seed, prompts.identities());
                if (protocol == Protocol.PUBLISHED) {
                    sameLastLayer(atlas, name, configs, labels, m);
                }
                summary.put(name + "." + protocol.configName() + ".best-overlap", m.overlap.mean(best(m)));
            }
            if (byProtocol.size() == 2) {
                Measured published = byProtocol.get(Protocol.PUBLISHED);
                Measured corrected = byProtocol.get(Protocol.CORRECTED);
                int a = zeroOverlap(published);
                int b = zeroOverlap(corrected);
                if (a != b || best(published) != best(corrected)) {
                    atlas.disagreement(name, "layer skipping: published (layer outputs zeroed) leaves " + a + " of " + configs.size()
                            + " configs with 0% top-" + topK + " overlap, best " + labels.get(best(published)) + " ("
                            + Display.percent(published.overlap.mean(best(published))) + "); corrected (true skip) " + b + " of "
                            + configs.size() + ", best " + labels.get(best(corrected)) + " ("
                            + Display.percent(corrected.overlap.mean(best(corrected))) + ")");
                }
            }
            String klTable = "kl-" + name;
            chartTables.add(new Table(klTable, List.of("config", "protocol", "kl"), klChart));
            charts.add(new Chart("Layer skipping (" + name + "): family-mean KL(full ‖ skipped) by config", ChartType.HEATMAP, klTable,
                    "config", "protocol", "kl"));
            String overlapTable = "overlap-" + name;
            chartTables.add(new Table(overlapTable, List.of("config", "protocol", "overlap"), overlapChart));
            charts.add(new Chart("Layer skipping (" + name + "): family-mean top-" + topK + " overlap by config", ChartType.HEATMAP,
                    overlapTable, "config", "protocol", "overlap"));
        }
        List<Table> tables = new ArrayList<>(atlas.tables());
        tables.add(new Table("configs", List.of("model", "protocol", "config", "layers", "last_layer", "skipped", "kl", "kl_ci_low",
                "kl_ci_high", "overlap", "overlap_ci_low", "overlap_ci_high"), configRows));
        tables.add(new Table("families", List.of("model", "protocol", "config", "family", "kl", "overlap"), familyRows));
        tables.add(new Table("prompts", List.of("model", "protocol", "config", "task", "family", "kl", "overlap"), promptRows));
        tables.addAll(chartTables);
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** Per-prompt KL and overlap, rows indexed by config. */
    private record Measured(LayerProfile kl, LayerProfile overlap) {}

    /**
     * The config with the highest overlap, the lowest KL among equals; KLs within the identical-KL
     * tolerance are a tie, kept by the earlier config (published configs sharing their last zeroed layer
     * have the same KL, which a batched executor may round differently in the last bits).
     */
    private int best(Measured m) {
        int best = 0;
        for (int c = 1; c < m.overlap.layers(); c++) {
            double o = m.overlap.mean(c);
            double b = m.overlap.mean(best);
            double kl = m.kl.mean(best);
            if (o > b || (o == b && m.kl.mean(c) < kl - tolerance * Math.max(1, Math.abs(kl)))) {
                best = c;
            }
        }
        return best;
    }

    private static int zeroOverlap(Measured m) {
        int count = 0;
        for (int c = 0; c < m.overlap.layers(); c++) {
            count += m.overlap.mean(c) == 0 ? 1 : 0;
        }
        return count;
    }

    private void atlasRows(AtlasRows atlas, String name, Protocol protocol, Measured m, List<String> labels, long seed,
            List<String> identities) {
        int configs = labels.size();
        int zero = zeroOverlap(m);
        atlas.value("layer-skipping.zero-overlap", protocol, name, zero, "0% top-" + topK + " overlap in " + zero + "/" + configs
                + " configs");
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < configs; c++) {
            min = Math.min(min, m.kl.mean(c));
            max = Math.max(max, m.kl.mean(c));
        }
        atlas.value("layer-skipping.kl-range", protocol, name, min, "KL " + Display.number(min) + "–" + Display.number(max));
        int best = best(m);
        AtlasRows.Sample sample = protocol == Protocol.CORRECTED ? m.overlap.sample(best, identities, Stats.cellSeed(seed, DIMENSION,
                name, protocol, "overlap")) : null;
        atlas.value("layer-skipping.best", protocol, name, m.overlap.mean(best), labels.get(best) + ": "
                + Display.percent(m.overlap.mean(best)) + " top-" + topK + " overlap, KL " + Display.number(m.kl.mean(best)), sample);
    }

    /** Flags configs whose last zeroed layer is the same and whose KLs coincide on every prompt. */
    private void sameLastLayer(AtlasRows atlas, String name, List<int[]> configs, List<String> labels, Measured m) {
        Map<Integer, List<Integer>> byLast = new LinkedHashMap<>();
        for (int c = 0; c < configs.size(); c++) {
            int[] config = configs.get(c);
            byLast.computeIfAbsent(config[config.length - 1], k -> new ArrayList<>()).add(c);
        }
        List<String> groups = new ArrayList<>();
        byLast.forEach((last, members) -> {
            if (members.size() < 2) {
                return;
            }
            int first = members.get(0);
            boolean identical = true;
            for (int c : members.subList(1, members.size())) {
                for (int p = 0; p < m.kl.prompts(); p++) {
                    double a = m.kl.value(first, p);
                    double b = m.kl.value(c, p);
                    identical &= Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a)) || (Double.isInfinite(a) && a == b);
                }
            }
            if (identical) {
                groups.add(members.stream().map(labels::get).collect(Collectors.joining(", ")) + " (last zeroed layer "
                        + Display.layer(last) + ", KL " + Display.number(m.kl.mean(first)) + ")");
            }
        });
        if (!groups.isEmpty()) {
            atlas.artefact(Protocol.PUBLISHED, name, "configs sharing their last zeroed layer give identical KL on every prompt: "
                    + String.join("; ", groups) + ". Zeroing blocks.L.hook_resid_post erases everything before L, so only the last"
                    + " zeroed layer matters: this 'skip' measures the cascade of one zeroed layer, not the skipped set");
        }
    }
}
