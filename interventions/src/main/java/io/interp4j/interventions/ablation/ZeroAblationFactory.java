package io.interp4j.interventions.ablation;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.interventions.common.FixedPlan;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;
import java.util.List;
import java.util.Optional;

/** {@code zero-ablation}: sets the selected slice of a site to zero. */
public final class ZeroAblationFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "zero-ablation";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "zeroes a site (layer output, block contribution, attention or MLP output, heads, any hook point) at chosen positions";
    }

    @Override
    public InterventionPlan create(Config config) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, ID, config);
        SiteSelection where = SiteSelection.read(settings);
        settings.check();
        return new FixedPlan(ID, List.of(where.intervention(Operation.ZERO, 1, Optional.empty(), "")), "zero " + where.describe());
    }
}
