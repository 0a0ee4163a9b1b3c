package io.interp4j.interventions.steering;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.common.Plans;
import io.interp4j.interventions.common.SiteSelection;
import java.util.List;
import java.util.Optional;

/** Adds {@code scale × v} at a site. */
final class SteeringPlan implements InterventionPlan {
    private final String id;
    private final SiteSelection where;
    private final double scale;
    private final SteeringVector vector;
    private final String scaleNote;

    SteeringPlan(String id, SiteSelection where, double scale, SteeringVector vector, String scaleNote) {
        this.id = id;
        this.where = where;
        this.scale = scale;
        this.vector = vector;
        this.scaleNote = scaleNote;
    }

    @Override
    public List<Intervention> resolve(InterventionContext context) {
        String what = id + " (vector from " + vector.describe() + ")";
        TensorData v;
        try {
            v = vector.vector(context, where);
        } catch (Interp4jException e) {
            throw Plans.rethrow(what, e);
        }
        Intervention add = where.intervention(Operation.ADD, scale, Optional.of(v), vector.describe());
        return Plans.checked(what, context.model().config(), List.of(add));
    }

    @Override
    public String describe() {
        return id + ": add " + scale + " × v" + scaleNote + " at " + where.describe() + ", v from " + vector.describe();
    }
}
