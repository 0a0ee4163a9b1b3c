package io.interp4j.experiments.atlas.shift;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.atlas.lora.AtlasSettings;
import io.interp4j.experiments.atlas.lora.FamilyPrompts;

/**
 * {@code json-training-shift}: atlas row 13, which task family the LoRA training moved most, as
 * KL(trained ‖ base) at the last position per family.
 */
public final class JsonTrainingShiftFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "json-training-shift";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "measures KL(trained ‖ base) at the last position per task family (one prompt each as published, every prompt with"
                + " bootstrap intervals as corrected) and names the family the LoRA training shifted most";
    }

    @Override
    public Experiment create(Config config) {
        AtlasSettings s = new AtlasSettings(ID, config);
        RowScope rows = RowScope.read(s.settings(), config);
        TrainedModels trained = TrainedModels.read(s.settings());
        FamilyPrompts prompts = FamilyPrompts.read(s);
        String expected = s.text("expected-family");
        s.check();
        return new JsonTrainingShift(rows, trained, prompts, expected);
    }
}
