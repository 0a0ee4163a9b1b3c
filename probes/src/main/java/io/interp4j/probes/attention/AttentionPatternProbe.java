package io.interp4j.probes.attention;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.common.Layers;
import io.interp4j.probes.common.PromptRuns;
import io.interp4j.probes.common.Settings;
import io.interp4j.probes.common.SiteActivations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention probabilities ({@code blocks.L.attn.hook_pattern}) as {@code pattern/<L>/<i>}, shaped
 * {@code [heads, q, k]} with only the selected query heads, in the order selected. Rows, one per layer
 * and head: the attention entropy in nats and the attention paid to position 0, each averaged over
 * every query position of every prompt.
 */
final class AttentionPatternProbe implements Probe {
    private final String promptSet;
    private final List<Integer> layers;
    private final List<Integer> heads;

    AttentionPatternProbe(String promptSet, List<Integer> layers, List<Integer> heads) {
        this.promptSet = promptSet;
        this.layers = layers;
        this.heads = heads;
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        Model model = context.requireModel(AttentionPatternProbeFactory.ID);
        ModelConfig config = model.config();
        List<Integer> selectedLayers = Layers.resolve(layers, config.numLayers(), "layer", Settings.path(AttentionPatternProbeFactory.ID, "layers"));
        List<Integer> selectedHeads = Layers.resolve(heads, config.numHeads(), "head", Settings.path(AttentionPatternProbeFactory.ID, "heads"));
        List<int[]> prompts = context.prompts(promptSet);
        List<HookPoint> points = selectedLayers.stream().map(l -> HookPoint.block(l, HookSite.ATTN_PATTERN)).toList();
        int nh = selectedHeads.size();
        double[][] entropy = new double[selectedLayers.size()][nh];
        double[][] first = new double[selectedLayers.size()][nh];
        long[] queries = new long[1];
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        PromptRuns.forEach(model, prompts, points, (i, tokens, result) -> {
            int n = tokens.length;
            queries[0] += n;
            for (int li = 0; li < selectedLayers.size(); li++) {
                float[] all = SiteActivations.firstBatchRow(result.cache().get(points.get(li)));
                float[] out = new float[nh * n * n];
                for (int hi = 0; hi < nh; hi++) {
                    int head = selectedHeads.get(hi);
                    System.arraycopy(all, head * n * n, out, hi * n * n, n * n);
                    for (int q = 0; q < n; q++) {
                        int row = head * n * n + q * n;
                        first[li][hi] += all[row];
                        for (int k = 0; k <= q; k++) {
                            double p = all[row + k];
                            if (p > 0) {
                                entropy[li][hi] -= p * Math.log(p);
                            }
                        }
                    }
                }
                tensors.put("pattern/" + selectedLayers.get(li) + "/" + i, new TensorData(new long[] {nh, n, n}, out));
            }
        });
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int li = 0; li < selectedLayers.size(); li++) {
            for (int hi = 0; hi < nh; hi++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", selectedLayers.get(li));
                row.put("head", selectedHeads.get(hi));
                row.put("kv_head", config.kvHeadOf(selectedHeads.get(hi)));
                row.put("queries", queries[0]);
                row.put("mean_entropy_nats", entropy[li][hi] / queries[0]);
                row.put("mean_attention_to_first", first[li][hi] / queries[0]);
                rows.add(row);
            }
        }
        return new ProbeResult(AttentionPatternProbeFactory.ID, tensors, rows);
    }

    @Override
    public String describe() {
        return "attention patterns of layers " + (layers.isEmpty() ? "all" : layers) + ", heads " + (heads.isEmpty() ? "all" : heads)
                + " for every prompt of set '" + promptSet + "'";
    }
}
