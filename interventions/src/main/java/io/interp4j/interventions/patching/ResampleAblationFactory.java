package io.interp4j.interventions.patching;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;

/**
 * {@code resample-ablation}: replaces a site with its activation on another prompt, run through the
 * same model — patching whose source is always the model itself.
 */
public final class ResampleAblationFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "resample-ablation";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "replaces a site with its activation on another prompt of the same model";
    }

    @Override
    public InterventionPlan create(Config config) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, ID, config);
        SiteSelection where = SiteSelection.read(settings);
        SourcePrompt source = SourcePrompt.read(settings);
        settings.check();
        return new PatchPlan(ID, where, PatchPlan.SELF, "", source);
    }
}
