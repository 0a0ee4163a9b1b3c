package io.interp4j.interventions.patching;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;

/**
 * {@code activation-patching}: replaces a site with its activation from a cached run of the same or
 * another model (cross-model transfer: base model, layer output, source model {@code trained}, same
 * prompt).
 */
public final class ActivationPatchingFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "activation-patching";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "replaces a site with its activation from another prompt and/or another model (clean-to-corrupt or cross-model patching)";
    }

    @Override
    public InterventionPlan create(Config config) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, ID, config);
        SiteSelection where = SiteSelection.read(settings);
        String model = settings.text("source-model");
        SourcePrompt source = SourcePrompt.read(settings);
        settings.check();
        return new PatchPlan(ID, where, model, settings.path("source-model"), source);
    }
}
