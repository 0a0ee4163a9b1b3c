package io.interp4j.probes.cache;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.common.PromptRuns;
import io.interp4j.probes.common.Settings;
import io.interp4j.probes.common.SiteActivations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Copies the whole activation at each site for each prompt into Java memory, as {@code <site>/<i>}
 * with the engine's shape including the batch axis of 1 (e.g. {@code [1, pos, d_model]}), which is
 * the shape an intervention takes as a source activation. A contribution site is {@code
 * hook_resid_post − hook_resid_pre} of its block, shaped {@code [1, pos, d_model]}.
 */
final class ActivationCacheProbe implements Probe {
    private final String promptSet;
    private final List<Site> sites;

    ActivationCacheProbe(String promptSet, List<Site> sites) {
        this.promptSet = promptSet;
        this.sites = sites;
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        Model model = context.requireModel(ActivationCacheProbeFactory.ID);
        ModelConfig config = model.config();
        Set<HookPoint> points = SiteActivations.checkedPoints(sites, config, Settings.path(ActivationCacheProbeFactory.ID, "sites"));
        List<int[]> prompts = context.prompts(promptSet);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        PromptRuns.forEach(model, prompts, points, (i, tokens, result) -> {
            for (Site site : sites) {
                TensorData data;
                if (site instanceof Site.Contribution) {
                    long[] shape = {1, tokens.length, config.hiddenSize()};
                    data = new TensorData(shape, SiteActivations.rows(site, result.cache()));
                } else {
                    data = TensorData.of(result.cache().get(site.rewrittenPoint()));
                }
                tensors.put(site.name() + "/" + i, data);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("site", site.name());
                row.put("prompt", i);
                row.put("positions", tokens.length);
                row.put("shape", Arrays.toString(data.shape()));
                rows.add(row);
            }
        });
        return new ProbeResult(ActivationCacheProbeFactory.ID, tensors, rows);
    }

    @Override
    public String describe() {
        return "activations at " + sites.stream().map(Site::name).collect(Collectors.joining(", "))
                + " for every prompt of set '" + promptSet + "'";
    }
}
