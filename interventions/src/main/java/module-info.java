/**
 * Intervention plugins: zero / mean / resample ablation, activation patching, steering, knockout and
 * layer skip. Exports nothing; found through {@link io.interp4j.api.intervention.InterventionFactory}.
 */
module io.interp4j.interventions {
    requires io.interp4j.api;

    provides io.interp4j.api.intervention.InterventionFactory with
            io.interp4j.interventions.ablation.ZeroAblationFactory,
            io.interp4j.interventions.ablation.MeanAblationFactory,
            io.interp4j.interventions.patching.ResampleAblationFactory,
            io.interp4j.interventions.patching.ActivationPatchingFactory,
            io.interp4j.interventions.steering.SteeringFactory,
            io.interp4j.interventions.steering.KnockoutFactory,
            io.interp4j.interventions.skip.LayerSkipFactory;
}
