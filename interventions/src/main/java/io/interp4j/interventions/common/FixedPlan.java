package io.interp4j.interventions.common;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionPlan;
import java.util.List;

/**
 * A plan whose interventions do not depend on the prompt or the model (zero ablation, layer skip):
 * they are only checked against the model.
 *
 * @param id the plugin id
 * @param interventions the interventions
 * @param description the one-line description
 */
public record FixedPlan(String id, List<Intervention> interventions, String description) implements InterventionPlan {
    /** Checks and copies. */
    public FixedPlan {
        requireNonNull(id, "id is null");
        interventions = List.copyOf(requireNonNull(interventions, "interventions is null"));
        requireNonNull(description, "description is null");
    }

    @Override
    public List<Intervention> resolve(InterventionContext context) {
        return Plans.checked(id, context.model().config(), interventions);
    }

    @Override
    public String describe() {
        return id + ": " + description;
    }
}
