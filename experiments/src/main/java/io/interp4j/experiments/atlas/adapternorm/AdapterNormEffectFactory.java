package io.interp4j.experiments.atlas.adapternorm;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;

/** {@code adapter-norm-effect}: STUDY.md row 8, the correlation over layers of a LoRA adapter's norm and its layer's effect. */
public final class AdapterNormEffectFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "adapter-norm-effect";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 8: correlates, over layers, the LoRA adapter's norm per layer with KL(trained ‖ trained with layer L's"
                + " resid_post (published) or its own contribution (corrected) taken from the base model)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<AtlasScope> scopes = AtlasScope.readPerModel(settings);
        TrainedModels trained = TrainedModels.read(settings);
        double flat = config.getDouble("flat-cv");
        if (!(flat >= 0) || !Double.isFinite(flat)) {
            settings.problem("flat-cv", "found " + flat + "; allowed: a coefficient of variation >= 0 (0 never flags)");
        }
        settings.check();
        return new AdapterNormEffect(scopes, trained, flat);
    }
}
