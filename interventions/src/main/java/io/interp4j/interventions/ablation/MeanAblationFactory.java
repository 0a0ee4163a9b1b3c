package io.interp4j.interventions.ablation;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;

/**
 * {@code mean-ablation}: replaces the selected slice of a site with the site's mean activation over a
 * prompt set, computed by the {@code activation-stats} probe.
 */
public final class MeanAblationFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "mean-ablation";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "replaces a site with its mean activation over a prompt set (from the activation-stats probe)";
    }

    @Override
    public InterventionPlan create(Config config) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, ID, config);
        SiteSelection where = SiteSelection.read(settings);
        String prompts = settings.text("prompts");
        settings.check();
        return new MeanAblationPlan(where, prompts, settings.path("prompts"));
    }
}
