/** Intervention plugins. Exports nothing; found through {@link io.interp4j.api.intervention.InterventionFactory}. */
module io.interp4j.interventions {
    requires io.interp4j.api;
}
