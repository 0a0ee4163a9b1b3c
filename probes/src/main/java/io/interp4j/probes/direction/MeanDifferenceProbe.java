package io.interp4j.probes.direction;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.common.PromptPositions;
import io.interp4j.probes.common.PromptRuns;
import io.interp4j.probes.common.Settings;
import io.interp4j.probes.common.SiteActivations;
import io.interp4j.probes.common.Vectors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The difference of means: {@code direction = mean(positive) − mean(negative)} of the activation at a
 * site and position(s), each mean taken over every selected position of every prompt of its set, in
 * double precision; optionally scaled to unit norm. With {@code blocks.L.hook_resid_post} at {@code
 * last} this is the seed study's steering vector (STUDY.md row 5). Tensors: {@code direction}, {@code
 * mean/positive} and {@code mean/negative}, each with the site's per-position shape; one row with the
 * counts, the norms of both means and of their raw difference, and the cosine between the means.
 */
final class MeanDifferenceProbe implements Probe {
    private final Site site;
    private final Positions position;
    private final String positive;
    private final String negative;
    private final boolean normalize;

    MeanDifferenceProbe(Site site, Positions position, String positive, String negative, boolean normalize) {
        this.site = site;
        this.position = position;
        this.positive = positive;
        this.negative = negative;
        this.normalize = normalize;
    }

    /** A running sum of feature rows. */
    private static final class Mean {
        final double[] sum;
        int count;
        int prompts;

        Mean(int features) {
            sum = new double[features];
        }

        double[] value() {
            double[] mean = sum.clone();
            for (int f = 0; f < mean.length; f++) {
                mean[f] /= count;
            }
            return mean;
        }
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        Model model = context.requireModel(MeanDifferenceProbeFactory.ID);
        ModelConfig config = model.config();
        SiteActivations.checkIn(site, config, path("site"));
        List<int[]> positivePrompts = context.prompts(positive);
        List<int[]> negativePrompts = context.prompts(negative);
        int features = SiteActivations.featureSize(site, config);
        Mean pos = mean(model, positive, positivePrompts, features);
        Mean neg = mean(model, negative, negativePrompts, features);
        double[] posMean = pos.value();
        double[] negMean = neg.value();
        double[] direction = new double[features];
        for (int f = 0; f < features; f++) {
            direction[f] = posMean[f] - negMean[f];
        }
        double norm = Vectors.norm(direction);
        if (normalize) {
            if (norm == 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, path("normalize") + ": the mean difference of sets '" + positive
                        + "' and '" + negative + "' at '" + site.name() + "' is zero and cannot be scaled to unit norm; allowed: false");
            }
            for (int f = 0; f < features; f++) {
                direction[f] /= norm;
            }
        }
        long[] shape = SiteActivations.featureShape(site, config);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("direction", new TensorData(shape, Vectors.toFloats(direction)));
        tensors.put("mean/positive", new TensorData(shape, Vectors.toFloats(posMean)));
        tensors.put("mean/negative", new TensorData(shape, Vectors.toFloats(negMean)));
        double posNorm = Vectors.norm(posMean);
        double negNorm = Vectors.norm(negMean);
        double dot = 0;
        for (int f = 0; f < features; f++) {
            dot += posMean[f] * negMean[f];
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("site", site.name());
        row.put("position", position.render());
        row.put("positive_set", positive);
        row.put("negative_set", negative);
        row.put("positive_prompts", pos.prompts);
        row.put("negative_prompts", neg.prompts);
        row.put("positive_count", pos.count);
        row.put("negative_count", neg.count);
        row.put("positive_mean_norm", posNorm);
        row.put("negative_mean_norm", negNorm);
        row.put("difference_norm", norm);
        row.put("cosine", posNorm == 0 || negNorm == 0 ? 0.0 : dot / (posNorm * negNorm));
        row.put("normalized", normalize);
        return new ProbeResult(MeanDifferenceProbeFactory.ID, tensors, List.of(row));
    }

    private Mean mean(Model model, String set, List<int[]> prompts, int features) {
        Mean mean = new Mean(features);
        PromptRuns.forEach(model, prompts, SiteActivations.points(site), (i, tokens, result) -> {
            int[] rows = PromptPositions.rows(position, tokens.length, i, set, path("position"));
            float[] values = SiteActivations.rows(site, result.cache());
            for (int r : rows) {
                for (int f = 0; f < features; f++) {
                    mean.sum[f] += values[r * features + f];
                }
            }
            mean.count += rows.length;
            mean.prompts++;
        });
        return mean;
    }

    private static String path(String key) {
        return Settings.path(MeanDifferenceProbeFactory.ID, key);
    }

    @Override
    public String describe() {
        return "mean of set '" + positive + "' minus mean of set '" + negative + "' at '" + site.name() + "', positions "
                + position.render() + (normalize ? ", scaled to unit norm" : "");
    }
}
