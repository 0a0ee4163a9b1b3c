package io.interp4j.probes.stats;

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
import io.interp4j.probes.common.Vectors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Mean and population standard deviation of every feature at each site, over every position of
 * every prompt, as {@code mean/<site>} and {@code std/<site>} with the site's per-position shape
 * ({@code [d_model]}, {@code [heads, d_head]} at {@code attn.hook_z}, {@code [d_mlp]} in the MLP).
 * These means are what mean-ablation replaces an activation with. Rows, one per site: the number of
 * positions averaged and the norm of the mean.
 */
final class ActivationStatsProbe implements Probe {
    private final String promptSet;
    private final List<Site> sites;

    ActivationStatsProbe(String promptSet, List<Site> sites) {
        this.promptSet = promptSet;
        this.sites = sites;
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        Model model = context.requireModel(ActivationStatsProbeFactory.ID);
        ModelConfig config = model.config();
        Set<HookPoint> points = SiteActivations.checkedPoints(sites, config, Settings.path(ActivationStatsProbeFactory.ID, "sites"));
        List<int[]> prompts = context.prompts(promptSet);
        Map<Site, Moments> moments = new LinkedHashMap<>();
        sites.forEach(site -> moments.put(site, new Moments(SiteActivations.featureSize(site, config))));
        PromptRuns.forEach(model, prompts, points, (i, tokens, result) ->
                moments.forEach((site, m) -> m.add(SiteActivations.rows(site, result.cache()))));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        moments.forEach((site, m) -> {
            long[] shape = SiteActivations.featureShape(site, config);
            TensorData mean = new TensorData(shape, Vectors.toFloats(m.mean()));
            tensors.put("mean/" + site.name(), mean);
            tensors.put("std/" + site.name(), new TensorData(shape, Vectors.toFloats(m.std())));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("site", site.name());
            row.put("prompts", prompts.size());
            row.put("count", m.count());
            row.put("mean_norm", mean.norm());
            rows.add(row);
        });
        return new ProbeResult(ActivationStatsProbeFactory.ID, tensors, rows);
    }

    @Override
    public String describe() {
        return "mean and standard deviation over every position of every prompt of set '" + promptSet + "' at "
                + sites.stream().map(Site::name).collect(Collectors.joining(", "));
    }
}
