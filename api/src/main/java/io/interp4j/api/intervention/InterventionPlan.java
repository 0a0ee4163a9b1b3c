package io.interp4j.api.intervention;

import io.interp4j.api.Stable;
import java.util.List;

/**
 * A configured intervention plugin: turns its settings into intervention values for one target
 * prompt, computing what they need (means, directions, source activations) from the context.
 *
 * @since 0.1
 */
@Stable
public interface InterventionPlan {
    /**
     * Resolves the interventions to apply when running the context's target prompt.
     *
     * @param context the model, prompt sets, target prompt and other plugins
     * @return the interventions, applied in order
     */
    List<Intervention> resolve(InterventionContext context);

    /**
     * States what the plan does, for reports and dry runs.
     *
     * @return one line
     */
    String describe();
}
