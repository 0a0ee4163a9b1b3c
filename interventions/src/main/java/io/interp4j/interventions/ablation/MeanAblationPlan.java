package io.interp4j.interventions.ablation;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.interventions.common.ModelMemo;
import io.interp4j.interventions.common.Plans;
import io.interp4j.interventions.common.SiteSelection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Resolves the mean through the {@code activation-stats} probe, once per model and prompt set. */
final class MeanAblationPlan implements InterventionPlan {
    static final String PROBE = "activation-stats";

    private final SiteSelection where;
    private final String set;
    private final String setPath;
    private final ModelMemo<TensorData> means = new ModelMemo<>();

    MeanAblationPlan(SiteSelection where, String set, String setPath) {
        this.where = where;
        this.set = set;
        this.setPath = setPath;
    }

    @Override
    public List<Intervention> resolve(InterventionContext context) {
        Model model = context.model();
        String site = where.site().name();
        Plans.checkSite(MeanAblationFactory.ID, where.site(), model.config());
        List<int[]> prompts;
        try {
            prompts = context.prompts(set);
        } catch (Interp4jException e) {
            throw Plans.rethrow(MeanAblationFactory.ID + ": " + setPath, e);
        }
        TensorData mean;
        try {
            mean = means.get(model, List.of(site, set, ModelMemo.fingerprint(prompts)), () -> mean(context, model));
        } catch (Interp4jException e) {
            throw Plans.rethrow(MeanAblationFactory.ID + ": probe " + PROBE, e);
        }
        String source = "mean over prompt set '" + set + "' (" + prompts.size() + " prompts, " + PROBE + ")";
        return Plans.checked(MeanAblationFactory.ID, model.config(),
                List.of(where.intervention(Operation.REPLACE, 1, Optional.of(mean), source)));
    }

    /**
     * Asks the probe for the site's mean; a block's contribution is not a hook point, so its mean is
     * taken as mean(resid_post) − mean(resid_pre), which equals mean(resid_post − resid_pre).
     */
    private TensorData mean(InterventionContext context, Model model) {
        List<String> sites = where.site() instanceof Site.Contribution c
                ? List.of(HookPoint.block(c.layer(), HookSite.RESID_PRE).name(), HookPoint.block(c.layer(), HookSite.RESID_POST).name())
                : List.of(where.site().name());
        ProbeResult stats = context.probes()
                .run(PROBE, ConfigFactory.parseMap(Map.of("sites", sites, "prompts", set)), context.probeContext(model));
        if (sites.size() == 1) {
            return stats.tensor("mean/" + sites.get(0));
        }
        TensorData pre = stats.tensor("mean/" + sites.get(0));
        TensorData post = stats.tensor("mean/" + sites.get(1));
        float[] difference = post.data();
        for (int i = 0; i < difference.length; i++) {
            difference[i] -= pre.at(i);
        }
        return new TensorData(post.shape(), difference);
    }

    @Override
    public String describe() {
        return MeanAblationFactory.ID + ": replace " + where.describe() + " with the mean activation over prompt set '" + set + "'";
    }
}
