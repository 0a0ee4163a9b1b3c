package io.interp4j.experiments.atlas.mlp;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;

/**
 * {@code mlp-dominance}: the atlas row "MLP dominance" (STUDY.md row 3): the MLP output of each layer
 * zeroed, the top MLP, and its share of the top layer effect measured on the same prompts.
 */
public final class MlpDominanceFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "mlp-dominance";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 'MLP dominance': per-layer KL after zeroing the MLP output (family means), the top MLP and its share"
                + " of the hub's effect (published: layer-output ablation; corrected: contribution ablation, with intervals)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<AtlasScope> scopes = AtlasScope.readPerModel(settings);
        settings.check();
        return new MlpDominanceExperiment(scopes);
    }
}
