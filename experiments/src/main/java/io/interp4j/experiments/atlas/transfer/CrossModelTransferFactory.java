package io.interp4j.experiments.atlas.transfer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.StepSettings;

/** {@code cross-model-transfer}: STUDY.md row 7, how much of the trained model's output one layer's state carries into the base model. */
public final class CrossModelTransferFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "cross-model-transfer";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 7: runs the base model with layer L's resid_post (published) or block L's own contribution (corrected)"
                + " taken from the LoRA-trained model; recovery = 1 − KL(trained ‖ patched) / KL(trained ‖ base) per layer";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<AtlasScope> scopes = AtlasScope.readPerModel(settings);
        TrainedModels trained = TrainedModels.read(settings);
        ConfigValue value = config.getValue("top");
        int top = value.unwrapped() instanceof Integer n ? n : 0;
        if (top < 1) {
            settings.problem("top", "found " + StepSettings.render(value) + "; allowed: an integer number of layers >= 1");
        }
        double floor = config.getDouble("recovery-floor");
        if (!(floor > 0) || !Double.isFinite(floor)) {
            settings.problem("recovery-floor", "found " + StepSettings.render(config.getValue("recovery-floor"))
                    + "; allowed: a finite number of nats > 0");
        }
        settings.check();
        return new CrossModelTransfer(scopes, trained, top, floor);
    }
}
