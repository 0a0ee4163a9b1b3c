package io.interp4j.experiments.atlas.hub;

import com.typesafe.config.Config;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;

/**
 * {@code universal-hub}: the atlas row "Universal hub layer" (STUDY.md row 2). Published: zero the whole
 * residual stream after block L; corrected: zero, mean- and resample-ablate the block's own
 * contribution. Both with the first/last-position router at their hub.
 */
public final class UniversalHubFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "universal-hub";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 'universal hub layer': per-layer ablation KL (family means), the hub layer, the first/last-position"
                + " router; published = zero the layer output, corrected = zero/mean/resample the block's contribution";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<AtlasScope> scopes = AtlasScope.readPerModel(settings);
        TargetToken.Rule rule = null;
        String ruleText = settings.text("target-rule");
        if (ruleText != null) {
            try {
                rule = TargetToken.Rule.parse(ruleText);
            } catch (Interp4jException e) {
                settings.problem("target-rule", "found '" + ruleText + "'; allowed: exact, leading-space, first-token");
            }
        }
        double tolerance = config.getDouble("cascade-tolerance");
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            settings.problem("cascade-tolerance", "found " + tolerance + "; allowed: a finite number >= 0");
        }
        settings.check();
        return new UniversalHubExperiment(scopes, rule, tolerance);
    }
}
