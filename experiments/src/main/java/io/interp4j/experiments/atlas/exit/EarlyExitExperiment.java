package io.interp4j.experiments.atlas.exit;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.Unembedding;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.experiment.UnplannedWork;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.layerwise.Display;
import io.interp4j.experiments.atlas.layerwise.LayerProfile;
import io.interp4j.experiments.atlas.PromptSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The early exit row. Per model, one forward plan over every prompt (raw): one clean forward for the
 * model's own last-position logits, then per protocol one forward reading every layer's {@code
 * blocks.L.hook_resid_post} at the last position, which the row unembeds as the {@code logit-lens}
 * probe does (the checkpoint's final norm and unembedding in double precision): published without the
 * final RMSNorm (the original "early exit"; with {@code last-layer-full-logits} the last layer's exit is the
 * model's own logits, as the original 0.5B run special-cased it), corrected with it (the logit lens).
 * Per layer: argmax agreement with the model, KL(full ‖ exit) in nats and top-k overlap, family means
 * then their mean; speed-up {@code n_layers / (L + 1)}. The headline is the earliest layer whose
 * agreement reaches {@code agreement-threshold}.
 */
final class EarlyExitExperiment implements Experiment {
    static final String DIMENSION = "Early exit";
    /** Vectors unembedded per pass over the unembedding, as the logit-lens probe bounds its buffer. */
    private static final int VECTORS_PER_PASS = 64;

    /**
     * One model's settings: its prompts, and whether the published exit of the last layer is the model's logits.
     *
     * @param scope the models, protocols and prompts
     * @param lastLayerFull whether the published last layer's exit is the full model's logits
     */
    record Recipe(AtlasScope scope, boolean lastLayerFull) {}

    private final AtlasScope scope;
    private final PerModel<Recipe> recipes;
    private final double threshold;
    private final int topK;

    EarlyExitExperiment(PerModel<Recipe> recipes, double threshold, int topK) {
        this.scope = recipes.common().scope();
        this.recipes = recipes;
        this.threshold = threshold;
        this.topK = topK;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(recipes, Recipe::scope, context));
        if (scope.validate(context).isEmpty()) {
            for (String model : scope.models(context)) {
                int vocab = context.modelConfig(model).vocabSize();
                if (topK > vocab) {
                    problems.add(new Problem(context.path() + ".top-k", "found " + topK + "; allowed: 1.." + vocab + " (the vocabulary of model '"
                            + model + "')"));
                }
            }
        }
        return problems;
    }

    /**
     * The forwards of one model: every prompt clean (request p is prompt p), then per protocol every
     * prompt reading {@code blocks.L.hook_resid_post} of every layer at the last position. The lens
     * forwards of the two protocols are the same clean forward (an executor may run it once); they are
     * one request each because the row counts a lens forward per protocol.
     */
    private ForwardPlan plan(String model, int layers, List<int[]> prompts) {
        Readout lens = Readout.LAST_LOGITS.withoutLogits();
        for (int layer = 0; layer < layers; layer++) {
            lens = lens.and(HookPoint.block(layer, HookSite.RESID_POST), Positions.LAST);
        }
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : prompts) {
            plan.add(ForwardRequest.clean(model, prompt));
        }
        for (int i = 0; i < scope.protocols().size(); i++) {
            for (int[] prompt : prompts) {
                plan.add(ForwardRequest.clean(model, prompt).reading(lens));
            }
        }
        return plan.build();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            plans.add(plan(model, context.modelConfig(model).numLayers(), recipes.of(model).scope().tokens(context, model)));
        }
        return plans;
    }

    /** The lens: every layer of every prompt, per protocol, unembedded in Java as {@link #exits} does, a prompt's layers per pass. */
    @Override
    public List<UnplannedWork> unplanned(StudyContext context) {
        List<UnplannedWork> work = new ArrayList<>();
        for (String model : scope.models(context)) {
            int layers = context.modelConfig(model).numLayers();
            // one prompt per task: counted without tokenizing them (plans() does that)
            long prompts = recipes.of(model).scope().tasks(context).size();
            work.add(new UnplannedWork.Lens(model, (long) layers * prompts * scope.protocols().size(), Math.min(layers, VECTORS_PER_PASS)));
        }
        return work;
    }

    @Override
    public String describe() {
        return "early exit: per layer, argmax agreement, KL(full ‖ exit) and top-" + topK + " overlap at the last position"
                + " (published: lm_head without the final norm" + (recipes.common().lastLayerFull() ? ", the last layer's exit = the model's"
                + " logits" : "") + "; corrected: logit lens with the final norm), earliest layer with agreement >= " + threshold + "; "
                + scope.describe() + (recipes.varies() ? ", with per-model settings" : "");
    }

    /** Per-prompt measures, by layer. */
    private record Measured(LayerProfile agreement, LayerProfile kl, LayerProfile overlap, int[][] exitArgmax) {}

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        long seed = context.seed();
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> layerRows = new ArrayList<>();
        List<List<Object>> familyRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        List<Table> chartTables = new ArrayList<>();
        List<Chart> charts = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String name : scope.models(context)) {
            PromptSet prompts = recipes.of(name).scope().prepare(context, name);
            ModelConfig config = prompts.model().config();
            int layers = config.numLayers();
            List<ForwardReadout> readouts = context.forwards(plan(name, layers, prompts.tokens()), progress);
            List<float[]> clean = new ArrayList<>();
            for (int p = 0; p < prompts.size(); p++) {
                clean.add(readouts.get(p).lastLogits());
            }
            Map<Protocol, Measured> byProtocol = new EnumMap<>(Protocol.class);
            List<List<Object>> agreementChart = new ArrayList<>();
            List<List<Object>> klChart = new ArrayList<>();
            int next = prompts.size();
            for (Protocol protocol : scope.protocols()) {
                Measured m = measure(context, prompts, clean, protocol, readouts.subList(next, next + prompts.size()));
                next += prompts.size();
                byProtocol.put(protocol, m);
                boolean intervals = protocol == Protocol.CORRECTED;
                for (int layer = 0; layer < layers; layer++) {
                    double[] agreementCi = intervals ? m.agreement.interval(layer, Stats.cellSeed(seed, DIMENSION, name, protocol, "agreement")) : null;
                    double[] klCi = intervals ? m.kl.interval(layer, Stats.cellSeed(seed, DIMENSION, name, protocol, "kl")) : null;
                    layerRows.add(Arrays.asList(name, protocol.configName(), layer, (double) layers / (layer + 1), m.agreement.mean(layer),
                            agreementCi == null ? null : agreementCi[0], agreementCi == null ? null : agreementCi[1], m.kl.mean(layer),
                            klCi == null ? null : klCi[0], klCi == null ? null : klCi[1], m.overlap.mean(layer)));
                    agreementChart.add(List.of(layer, protocol.configName(), m.agreement.mean(layer)));
                    klChart.add(List.of(layer, protocol.configName(), m.kl.mean(layer)));
                    // the families and prompts the protocol averages over
                    List<String> familyNames = prompts.familyNames(m.agreement.families());
                    for (int f = 0; f < familyNames.size(); f++) {
                        familyRows.add(List.of(name, protocol.configName(), layer, familyNames.get(f), m.agreement.familyMean(layer, f),
                                m.kl.familyMean(layer, f), m.overlap.familyMean(layer, f)));
                    }
                    for (int p : PromptSet.members(m.agreement.families())) {
                        Task task = prompts.tasks().get(p);
                        promptRows.add(List.of(name, protocol.configName(), layer, task.id(), task.family(), m.agreement.value(layer, p),
                                m.kl.value(layer, p), m.overlap.value(layer, p), m.exitArgmax[layer][p], Stats.argmax(clean.get(p))));
                    }
                }
                int earliest = atlasRows(atlas, name, protocol, m, layers, seed, prompts.identities());
                summary.put(name + "." + protocol.configName() + ".earliest-exit", earliest < 0 ? "none" : earliest);
            }
            if (byProtocol.size() == 2) {
                int a = earliest(byProtocol.get(Protocol.PUBLISHED));
                int b = earliest(byProtocol.get(Protocol.CORRECTED));
                if (a != b) {
                    atlas.disagreement(name, "earliest exit with >= " + Display.percent(threshold) + " argmax agreement: published"
                            + " (lm_head without the final norm) " + (a < 0 ? "none" : Display.layer(a)) + ", corrected (logit lens) "
                            + (b < 0 ? "none" : Display.layer(b)));
                }
            }
            String agreementTable = "agreement-" + name;
            chartTables.add(new Table(agreementTable, List.of("layer", "protocol", "agreement"), agreementChart));
            charts.add(new Chart("Early exit (" + name + "): family-mean argmax agreement with the model by layer", ChartType.LINE,
                    agreementTable, "layer", "protocol", "agreement"));
            String klTable = "kl-" + name;
            chartTables.add(new Table(klTable, List.of("layer", "protocol", "kl"), klChart));
            charts.add(new Chart("Early exit (" + name + "): family-mean KL(full ‖ exit) by layer", ChartType.LINE, klTable, "layer",
                    "protocol", "kl"));
        }
        List<Table> tables = new ArrayList<>(atlas.tables());
        tables.add(new Table("layers", List.of("model", "protocol", "layer", "speedup", "agreement", "agreement_ci_low",
                "agreement_ci_high", "kl", "kl_ci_low", "kl_ci_high", "top_k_overlap"), layerRows));
        tables.add(new Table("families", List.of("model", "protocol", "layer", "family", "agreement", "kl", "top_k_overlap"),
                familyRows));
        tables.add(new Table("prompts", List.of("model", "protocol", "layer", "task", "family", "agree", "kl", "top_k_overlap",
                "exit_argmax", "model_argmax"), promptRows));
        tables.addAll(chartTables);
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** Unembeds one protocol's lens readouts (one per prompt) and compares them with the model's logits. */
    private Measured measure(StudyContext context, PromptSet prompts, List<float[]> clean, Protocol protocol, List<ForwardReadout> lens) {
        Comparisons compare = Comparisons.of(context);
        boolean published = protocol == Protocol.PUBLISHED;
        boolean lastFull = recipes.of(prompts.name()).lastLayerFull();
        ModelConfig config = prompts.model().config();
        int layers = config.numLayers();
        double[][] agree = new double[layers][prompts.size()];
        double[][] kl = new double[layers][prompts.size()];
        double[][] overlap = new double[layers][prompts.size()];
        int[][] exitArgmax = new int[layers][prompts.size()];
        try (Unembedding unembedding = Unembedding.open(prompts.model().directory())) {
            if (unembedding.vocab() != config.vocabSize()) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, context.path() + ": model '" + prompts.name() + "': the"
                        + " checkpoint's vocabulary " + unembedding.vocab() + " differs from the loaded model's " + config.vocabSize());
            }
            for (int p = 0; p < prompts.size(); p++) {
                float[][] exits = exits(unembedding, lens.get(p), layers, !published);
                float[] full = clean.get(p);
                int fullArgmax = Stats.argmax(full);
                for (int layer = 0; layer < layers; layer++) {
                    float[] exit = published && lastFull && layer == layers - 1 ? full : exits[layer];
                    exitArgmax[layer][p] = Stats.argmax(exit);
                    agree[layer][p] = exitArgmax[layer][p] == fullArgmax ? 1 : 0;
                    kl[layer][p] = compare.kl(full, exit);
                    overlap[layer][p] = compare.topKOverlap(full, exit, topK);
                }
            }
        }
        int[][] families = prompts.families(protocol);
        return new Measured(new LayerProfile(agree, families), new LayerProfile(kl, families), new LayerProfile(overlap, families),
                exitArgmax);
    }

    /**
     * Unembeds every layer's last-position residual stream, with or without the final norm, in double
     * precision and rounded to float32, as the logit-lens probe writes its {@code logits/<L>} tensors.
     */
    private static float[][] exits(Unembedding unembedding, ForwardReadout lens, int layers, boolean finalNorm) {
        float[][] out = new float[layers][];
        for (int start = 0; start < layers; start += VECTORS_PER_PASS) {
            int end = Math.min(layers, start + VECTORS_PER_PASS);
            double[][] vectors = new double[end - start][];
            for (int layer = start; layer < end; layer++) {
                float[] x = lens.get(HookPoint.block(layer, HookSite.RESID_POST)).data();
                vectors[layer - start] = finalNorm ? unembedding.finalNorm(x, 0) : unembedding.raw(x, 0);
            }
            double[][] logits = unembedding.logits(vectors);
            for (int layer = start; layer < end; layer++) {
                double[] row = logits[layer - start];
                float[] exit = new float[row.length];
                for (int v = 0; v < row.length; v++) {
                    exit[v] = (float) row[v];
                }
                out[layer] = exit;
            }
        }
        return out;
    }

    /** The earliest layer whose agreement reaches the threshold, or −1. */
    private int earliest(Measured m) {
        for (int layer = 0; layer < m.agreement.layers(); layer++) {
            if (m.agreement.mean(layer) >= threshold) {
                return layer;
            }
        }
        return -1;
    }

    /** Adds the headline rows and the published artefact flags; returns the earliest layer. */
    private int atlasRows(AtlasRows atlas, String name, Protocol protocol, Measured m, int layers, long seed, List<String> identities) {
        boolean corrected = protocol == Protocol.CORRECTED;
        int earliest = earliest(m);
        if (earliest >= 0) {
            double speedup = (double) layers / (earliest + 1);
            atlas.value("early-exit.earliest", protocol, name, earliest, Display.layer(earliest) + " (speed-up "
                    + String.format(Locale.ROOT, "%.2f", speedup) + "×): " + Display.percent(m.agreement.mean(earliest)) + " argmax, KL "
                    + Display.number(m.kl.mean(earliest)));
            atlas.value("early-exit.speedup", protocol, name, speedup, String.format(Locale.ROOT, "%.2f×", speedup));
        } else {
            atlas.value("early-exit.earliest", protocol, name, "none", "no layer reaches " + Display.percent(threshold)
                    + " argmax agreement");
            atlas.value("early-exit.speedup", protocol, name, null, "none");
        }
        if (layers >= 2) {
            int last = layers - 2;
            atlas.value("early-exit.last-exit", protocol, name, m.agreement.mean(last), Display.layer(last) + ": "
                    + Display.percent(m.agreement.mean(last)) + " argmax, KL " + Display.number(m.kl.mean(last)),
                    corrected ? m.agreement.sample(last, identities, Stats.cellSeed(seed, DIMENSION, name, protocol, "agreement")) : null);
            double low = Double.POSITIVE_INFINITY;
            double high = Double.NEGATIVE_INFINITY;
            for (int layer = 0; layer <= last; layer++) {
                low = Math.min(low, m.agreement.mean(layer));
                high = Math.max(high, m.agreement.mean(layer));
            }
            atlas.value("early-exit.agreement-range", protocol, name, high, Display.percent(low) + "–" + Display.percent(high)
                    + " argmax over L0–" + Display.layer(last));
        }
        int finalLayer = layers - 1;
        boolean fullLogits = !corrected && recipes.of(name).lastLayerFull();
        atlas.value("early-exit.final-layer", protocol, name, m.agreement.mean(finalLayer), Display.layer(finalLayer) + ": "
                + Display.percent(m.agreement.mean(finalLayer)) + " argmax, KL " + Display.number(m.kl.mean(finalLayer))
                + (fullLogits ? " (the model's own logits)" : corrected ? " (logit lens)" : " (lm_head without the final norm)"));
        if (!corrected) {
            if (!fullLogits && (m.agreement.mean(finalLayer) < 1 || m.kl.mean(finalLayer) > 1e-3)) {
                atlas.artefact(protocol, name, "the last layer's exit is not the model's output: lm_head without the final RMSNorm"
                        + " gives " + Display.percent(m.agreement.mean(finalLayer)) + " argmax agreement and KL "
                        + Display.number(m.kl.mean(finalLayer)) + " at " + Display.layer(finalLayer) + ", where the model itself is"
                        + " the reference: the published exits measure the missing norm, not early-exit quality");
            }
            List<Integer> infinite = new ArrayList<>();
            for (int layer = 0; layer < layers; layer++) {
                if (Double.isInfinite(m.kl.mean(layer))) {
                    infinite.add(layer);
                }
            }
            if (!infinite.isEmpty()) {
                atlas.artefact(protocol, name, "KL(full ‖ exit) is infinite at " + infinite.stream().map(Display::layer)
                        .collect(Collectors.joining(", ")) + ": the exit gives some token the model predicts probability 0");
            }
        }
        return earliest;
    }
}
