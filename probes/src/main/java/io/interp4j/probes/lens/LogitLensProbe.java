package io.interp4j.probes.lens;

import io.interp4j.api.metric.Distributions;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.Unembedding;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.common.Layers;
import io.interp4j.probes.common.PromptPositions;
import io.interp4j.probes.common.PromptRuns;
import io.interp4j.probes.common.Settings;
import io.interp4j.probes.common.SiteActivations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The logit lens: for each selected layer L, {@code lm_head(x)} or {@code lm_head(final_norm(x))} of
 * {@code x = blocks.L.hook_resid_post} at the selected positions, compared with the model's own logits
 * at the same positions. Without the final norm this is the seed study's early exit (row 10), whose
 * disagreement with the model even at the last layer is an artefact; with it, the last layer's lens is
 * the model's output.
 *
 * <p>Tensors: with one selected position per prompt, {@code logits/<L>} {@code [prompts, vocab]} and
 * {@code top-k/<L>} {@code [prompts, k]} (token ids); with several, {@code logits/<L>/<i>} {@code
 * [positions, vocab]} and {@code top-k/<L>/<i>} per prompt i. Rows, one per layer: the fraction of
 * (prompt, position) pairs whose lens argmax equals the model's, the mean KL(model ‖ lens) in nats and
 * the mean top-k overlap {@code |top-k(lens) ∩ top-k(model)| / k}.
 */
final class LogitLensProbe implements Probe {
    /** Vectors unembedded per pass over the unembedding: bounds the {@code double[n][vocab]} buffer (~78 MB at Qwen2.5's vocabulary). */
    private static final int VECTORS_PER_PASS = 64;

    private final String promptSet;
    private final Positions positions;
    private final boolean finalNorm;
    private final int topK;
    private final List<Integer> layers;

    LogitLensProbe(String promptSet, Positions positions, boolean finalNorm, int topK, List<Integer> layers) {
        this.promptSet = promptSet;
        this.positions = positions;
        this.finalNorm = finalNorm;
        this.topK = topK;
        this.layers = layers;
    }

    /** Per-layer sums over (prompt, position) pairs. */
    private static final class LayerTotals {
        int pairs;
        int agreeing;
        double kl;
        double overlap;
    }

    /** The model's own next-token distribution at one position. */
    private record Target(double[] logProbs, int[] top, int argmax) {
        static Target of(float[] logits, int row, int vocab, int k) {
            double[] values = new double[vocab];
            for (int v = 0; v < vocab; v++) {
                values[v] = logits[row * vocab + v];
            }
            return new Target(Distributions.logSoftmax(values), Distributions.topK(values, Math.min(k, values.length)), Distributions.argmax(values));
        }
    }

    @Override
    public List<Problem> checkAgainst(ModelConfig config) {
        List<Problem> problems = new ArrayList<>();
        try {
            Layers.resolve(layers, config.numLayers(), "layer", path("layers"));
        } catch (Interp4jException e) {
            problems.addAll(e.problemsAt(path("layers")));
        }
        if (topK > config.vocabSize()) {
            problems.add(Problem.found(path("top-k"), String.valueOf(topK), "1.." + config.vocabSize() + " (the vocabulary size)"));
        }
        return problems;
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        Model model = context.requireModel(LogitLensProbeFactory.ID);
        ModelConfig config = model.config();
        List<Problem> problems = checkAgainst(config);
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
        List<Integer> selected = Layers.resolve(layers, config.numLayers(), "layer", path("layers"));
        List<int[]> prompts = context.prompts(promptSet);
        try (Unembedding unembedding = Unembedding.open(model.directory())) {
            if (unembedding.vocab() != config.vocabSize()) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, model.directory() + ": the checkpoint's vocabulary "
                        + unembedding.vocab() + " differs from the loaded model's " + config.vocabSize());
            }
            return new Pass(config, selected, prompts, unembedding).run(model);
        }
    }

    /** One run of the lens over a prompt set: the accumulating outputs. */
    private final class Pass {
        private final int vocab;
        private final int hidden;
        private final List<Integer> selected;
        private final List<HookPoint> points;
        private final List<int[]> prompts;
        private final Unembedding unembedding;
        private final boolean single = PromptPositions.single(positions);
        private final Map<Integer, LayerTotals> totals = new LinkedHashMap<>();
        private final float[][] singleLogits;
        private final float[][] singleTop;
        private final Map<String, TensorData> tensors = new LinkedHashMap<>();

        Pass(ModelConfig config, List<Integer> selected, List<int[]> prompts, Unembedding unembedding) {
            this.vocab = config.vocabSize();
            this.hidden = config.hiddenSize();
            this.selected = selected;
            this.points = selected.stream().map(l -> HookPoint.block(l, HookSite.RESID_POST)).toList();
            this.prompts = prompts;
            this.unembedding = unembedding;
            selected.forEach(l -> totals.put(l, new LayerTotals()));
            // one position per prompt: one [prompts, vocab] tensor per layer, filled prompt by prompt
            singleLogits = single ? new float[selected.size()][Math.multiplyExact(prompts.size(), vocab)] : null;
            singleTop = single ? new float[selected.size()][prompts.size() * topK] : null;
        }

        ProbeResult run(Model model) {
            PromptRuns.forEach(model, prompts, points, this::prompt);
            if (single) {
                for (int li = 0; li < selected.size(); li++) {
                    tensors.put("logits/" + selected.get(li), new TensorData(new long[] {prompts.size(), vocab}, singleLogits[li]));
                    tensors.put("top-k/" + selected.get(li), new TensorData(new long[] {prompts.size(), topK}, singleTop[li]));
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            totals.forEach((layer, t) -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", layer);
                row.put("final_norm", finalNorm);
                row.put("pairs", t.pairs);
                row.put("argmax_agreement", (double) t.agreeing / t.pairs);
                row.put("kl_mean_nats", t.kl / t.pairs);
                row.put("top_k_overlap", t.overlap / t.pairs);
                row.put("k", topK);
                rows.add(row);
            });
            return new ProbeResult(LogitLensProbeFactory.ID, tensors, rows);
        }

        private void prompt(int i, int[] tokens, ForwardResult result) {
            int[] rows = PromptPositions.rows(positions, tokens.length, i, promptSet, path("positions"));
            float[] modelLogits = SiteActivations.firstBatchRow(result.logits());
            Target[] targets = new Target[rows.length];
            for (int r = 0; r < rows.length; r++) {
                targets[r] = Target.of(modelLogits, rows[r], vocab, topK);
            }
            float[][] logitsOut = new float[selected.size()][];
            float[][] topOut = new float[selected.size()][];
            float[][] resid = new float[selected.size()][];
            for (int li = 0; li < selected.size(); li++) {
                logitsOut[li] = single ? singleLogits[li] : new float[rows.length * vocab];
                topOut[li] = single ? singleTop[li] : new float[rows.length * topK];
                resid[li] = SiteActivations.firstBatchRow(result.cache().get(points.get(li)));
            }
            // the (layer, position) pairs of all layers share passes over the unembedding, a bounded number per pass
            int pairs = selected.size() * rows.length;
            for (int start = 0; start < pairs; start += VECTORS_PER_PASS) {
                int end = Math.min(pairs, start + VECTORS_PER_PASS);
                double[][] vectors = new double[end - start][];
                for (int pair = start; pair < end; pair++) {
                    float[] x = resid[pair / rows.length];
                    int offset = rows[pair % rows.length] * hidden;
                    vectors[pair - start] = finalNorm ? unembedding.finalNorm(x, offset) : unembedding.raw(x, offset);
                }
                double[][] lens = unembedding.logits(vectors);
                for (int pair = start; pair < end; pair++) {
                    int li = pair / rows.length;
                    int r = pair % rows.length;
                    record(li, single ? i : r, lens[pair - start], targets[r], logitsOut[li], topOut[li]);
                }
            }
            if (!single) {
                for (int li = 0; li < selected.size(); li++) {
                    tensors.put("logits/" + selected.get(li) + "/" + i, new TensorData(new long[] {rows.length, vocab}, logitsOut[li]));
                    tensors.put("top-k/" + selected.get(li) + "/" + i, new TensorData(new long[] {rows.length, topK}, topOut[li]));
                }
            }
        }

        private void record(int li, int out, double[] lens, Target target, float[] logitsOut, float[] topOut) {
            int[] top = Distributions.topK(lens, Math.min(topK, lens.length));
            for (int v = 0; v < vocab; v++) {
                logitsOut[out * vocab + v] = (float) lens[v];
            }
            for (int k = 0; k < topK; k++) {
                topOut[out * topK + k] = top[k];
            }
            LayerTotals t = totals.get(selected.get(li));
            t.pairs++;
            t.agreeing += top[0] == target.argmax() ? 1 : 0;
            t.kl += Distributions.kl(target.logProbs(), Distributions.logSoftmax(lens));
            t.overlap += Distributions.overlap(top, target.top(), topK);
        }
    }

    private static String path(String key) {
        return Settings.path(LogitLensProbeFactory.ID, key);
    }

    @Override
    public String describe() {
        return "logit lens " + (finalNorm ? "with" : "without") + " the final RMSNorm at positions " + positions.render()
                + " of set '" + promptSet + "', layers " + (layers.isEmpty() ? "all" : layers)
                + "; agreement, KL(model ‖ lens) in nats and top-" + topK + " overlap against the model's logits";
    }
}
