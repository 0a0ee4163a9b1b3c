package io.interp4j.interventions.common;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import java.util.List;

/** Reads a site's activation from a clean forward (no hooks) of a model. */
public final class SiteActivations {
    private SiteActivations() {}

    /**
     * Runs a model on one prompt and returns the activation at a site.
     *
     * @param model the model
     * @param site a hook point, or a block's contribution ({@code resid_post − resid_pre})
     * @param tokens the prompt
     * @return {@code [1, pos, ...]}
     */
    public static TensorData capture(Model model, Site site, int[] tokens) {
        site.checkIn(model.config());
        try (Run run = model.newRun()) {
            if (site instanceof Site.Contribution contribution) {
                HookPoint pre = HookPoint.block(contribution.layer(), HookSite.RESID_PRE);
                HookPoint post = HookPoint.block(contribution.layer(), HookSite.RESID_POST);
                ActivationCache cache = run.cache(List.of(pre, post)).forward(tokens).cache();
                return TensorData.of(cache.get(post).sub(cache.get(pre)));
            }
            HookPoint point = site.rewrittenPoint();
            NDArray activation = run.cache(List.of(point)).forward(tokens).cache().get(point);
            return TensorData.of(activation);
        }
    }
}
