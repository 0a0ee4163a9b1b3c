package io.interp4j.interventions.steering;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;

/** {@code steering}: adds {@code scale × v} at a site, v from a probe, a file, or random (the control). */
public final class SteeringFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "steering";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "adds scale × v at a site and positions; v from a probe (mean difference), a safetensors file, or a random control";
    }

    @Override
    public InterventionPlan create(Config config) {
        return create(ID, config, false);
    }

    /**
     * Reads the settings steering and knockout share.
     *
     * @param id the plugin id
     * @param config the resolved settings
     * @param knockout whether the effective scale is −|scale|
     * @return the plan
     */
    static InterventionPlan create(String id, Config config, boolean knockout) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, id, config);
        SiteSelection where = SiteSelection.read(settings);
        Double scale = settings.number("scale");
        SteeringVector vector = SteeringVector.read(settings);
        settings.check();
        return knockout
                ? new SteeringPlan(id, where, -Math.abs(scale), vector, " (knockout: scale " + scale + " taken as −|scale|)")
                : new SteeringPlan(id, where, scale, vector, "");
    }
}
