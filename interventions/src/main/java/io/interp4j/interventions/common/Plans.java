package io.interp4j.interventions.common;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ModelConfig;
import java.util.List;

/** What every plan does last: check its interventions against the model they will run on. */
public final class Plans {
    private Plans() {}

    /**
     * Checks interventions against a model, naming the plugin in any error.
     *
     * @param what the plugin id, and where its value came from when that helps
     * @param config the model the interventions will run on
     * @param interventions the interventions
     * @return the interventions, unchanged
     * @throws Interp4jException naming the plugin, the site, what was found and what is allowed
     */
    public static List<Intervention> checked(String what, ModelConfig config, List<Intervention> interventions) {
        for (Intervention intervention : interventions) {
            try {
                intervention.checkIn(config);
            } catch (Interp4jException e) {
                throw rethrow(what, e);
            }
        }
        return List.copyOf(interventions);
    }

    /**
     * Checks that a site exists in a model before anything is computed for it.
     *
     * @param id the plugin id
     * @param site the site
     * @param config the model
     * @throws Interp4jException naming the plugin and the site
     */
    public static void checkSite(String id, Site site, ModelConfig config) {
        try {
            site.checkIn(config);
        } catch (Interp4jException e) {
            throw rethrow(id, e);
        }
    }

    /**
     * Prefixes an error with the plugin, keeping its code.
     *
     * @param what the plugin id and context
     * @param e the error
     * @return the new error
     */
    public static Interp4jException rethrow(String what, Interp4jException e) {
        return new Interp4jException(e.code(), what + ": " + e.getMessage(), e);
    }
}
