package io.interp4j.probes.common;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ModelConfig;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the activation of a {@link Site} out of one forward's cache as per-position feature rows: a
 * hook point as it was recorded, a {@code blocks.{L}.contribution} as {@code hook_resid_post −
 * hook_resid_pre} of block L.
 */
public final class SiteActivations {
    private SiteActivations() {}

    /**
     * Checks that a site exists in a model.
     *
     * @param site the site
     * @param config the model
     * @param path the config path that named the site, for the message
     * @throws Interp4jException with {@link ErrorCode#INVALID_ARGUMENT} naming path, site and allowed layers
     */
    public static void checkIn(Site site, ModelConfig config, String path) {
        try {
            site.checkIn(config);
        } catch (Interp4jException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks sites against a model and returns every hook point their activations need.
     *
     * @param sites the sites
     * @param config the model
     * @param path the config path that named the sites, for messages
     * @return the hook points, in the sites' order, each once
     */
    public static Set<HookPoint> checkedPoints(List<Site> sites, ModelConfig config, String path) {
        Set<HookPoint> points = new LinkedHashSet<>();
        for (Site site : sites) {
            checkIn(site, config, path);
            points.addAll(points(site));
        }
        return points;
    }

    /**
     * Returns the hook points a forward must cache to produce a site's activation.
     *
     * @param site the site
     * @return the point itself, or {@code hook_resid_pre} and {@code hook_resid_post} of a contribution
     */
    public static List<HookPoint> points(Site site) {
        if (site instanceof Site.Contribution c) {
            return List.of(HookPoint.block(c.layer(), HookSite.RESID_PRE), HookPoint.block(c.layer(), HookSite.RESID_POST));
        }
        return List.of(site.rewrittenPoint());
    }

    /**
     * Returns whether a site has a fixed feature shape at every position; attention scores and
     * patterns do not (their key axis grows with the prompt).
     *
     * @param site the site
     * @return true unless the site is {@code attn.hook_attn_scores} or {@code attn.hook_pattern}
     */
    public static boolean perPosition(Site site) {
        return site.headAxis() != 1;
    }

    /**
     * Returns the shape of one position's features.
     *
     * @param site a per-position site
     * @param config the model
     * @return e.g. {@code [d_model]}, or {@code [heads, d_head]} at {@code attn.hook_z}
     */
    public static long[] featureShape(Site site, ModelConfig config) {
        return site.featureShape(config);
    }

    /**
     * Returns the number of features per position.
     *
     * @param site a per-position site
     * @param config the model
     * @return the product of {@link #featureShape}
     */
    public static int featureSize(Site site, ModelConfig config) {
        long size = 1;
        for (long d : featureShape(site, config)) {
            size *= d;
        }
        return Math.toIntExact(size);
    }

    /**
     * Copies a per-position site's activation of batch row 0 out of a cache.
     *
     * @param site a per-position site
     * @param cache a cache holding {@link #points}
     * @return {@code [pos × features]} row-major
     */
    public static float[] rows(Site site, ActivationCache cache) {
        if (site instanceof Site.Contribution c) {
            float[] pre = firstBatchRow(cache.get(HookPoint.block(c.layer(), HookSite.RESID_PRE)));
            float[] post = firstBatchRow(cache.get(HookPoint.block(c.layer(), HookSite.RESID_POST)));
            float[] delta = new float[post.length];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = post[i] - pre[i];
            }
            return delta;
        }
        return firstBatchRow(cache.get(site.rewrittenPoint()));
    }

    /**
     * Copies batch row 0 of an array whose first axis is the batch.
     *
     * @param array {@code [batch, ...]}
     * @return row 0, row-major
     */
    public static float[] firstBatchRow(NDArray array) {
        long batch = array.getShape().get(0);
        float[] all = array.toFloatArray();
        return batch == 1 ? all : Arrays.copyOf(all, Math.toIntExact(all.length / batch));
    }
}
