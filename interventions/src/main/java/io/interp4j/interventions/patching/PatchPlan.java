package io.interp4j.interventions.patching;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.common.Plans;
import io.interp4j.interventions.common.SiteActivations;
import io.interp4j.interventions.common.SiteSelection;
import java.util.List;
import java.util.Optional;

/**
 * Replaces a site with the same site's activation from a clean forward of a source model on a source
 * prompt; rows are copied position by position ({@link io.interp4j.api.intervention.InterventionHooks}).
 */
final class PatchPlan implements InterventionPlan {
    static final String SELF = "self";

    private final String id;
    private final SiteSelection where;
    private final String sourceModel;
    private final String sourceModelPath;
    private final SourcePrompt source;

    PatchPlan(String id, SiteSelection where, String sourceModel, String sourceModelPath, SourcePrompt source) {
        this.id = id;
        this.where = where;
        this.sourceModel = sourceModel;
        this.sourceModelPath = sourceModelPath;
        this.source = source;
    }

    @Override
    public List<Intervention> resolve(InterventionContext context) {
        Model target = context.model();
        Plans.checkSite(id, where.site(), target.config());
        Model from;
        try {
            from = context.model(sourceModel);
        } catch (Interp4jException e) {
            throw Plans.rethrow(id + ": " + sourceModelPath, e);
        }
        SourcePrompt.Chosen prompt = source.choose(id, context);
        int targetLength = context.target().tokens().length;
        if (where.positions().all() && prompt.tokens().length != targetLength) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, id + ": with positions = all the source " + prompt.label()
                    + " must be as long as the target prompt; found " + prompt.tokens().length + " tokens for " + targetLength
                    + "; allowed: equally long prompts, or positions such as last");
        }
        String fromLabel = sourceModel.equals(SELF) ? "" : "model '" + sourceModel + "' on ";
        TensorData activation;
        try {
            activation = SiteActivations.capture(from, where.site(), prompt.tokens());
        } catch (Interp4jException e) {
            throw Plans.rethrow(id + ": source " + fromLabel + prompt.label(), e);
        }
        String label = "activation of " + fromLabel + prompt.label();
        return Plans.checked(id, target.config(), List.of(where.intervention(Operation.REPLACE, 1, Optional.of(activation), label)));
    }

    @Override
    public String describe() {
        String of = sourceModel.equals(SELF) ? "" : " of model '" + sourceModel + "'";
        return id + ": replace " + where.describe() + " with the activation" + of + " on " + source.describe();
    }
}
