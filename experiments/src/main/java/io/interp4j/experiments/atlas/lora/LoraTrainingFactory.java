package io.interp4j.experiments.atlas.lora;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.common.PerModel;
import java.util.Set;

/**
 * {@code lora-training}: atlas row 11, a LoRA adapter trained per study model on a suite's JSON
 * training family, written in the layout of {@link TrainingArtefacts} for the rows that study the
 * trained model.
 */
public final class LoraTrainingFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "lora-training";

    /**
     * The recipe settings that may differ per model (the seed trained 1.5B with batch 1 × accum 2 for 150
     * steps and padding in the loss, 0.5B on the full text); the checkpoints stay the step's, as the rows after it read them by step.
     */
    private static final Set<String> PER_MODEL = Set.of("rank", "alpha", "dropout", "targets", "learning-rate", "weight-decay",
            "warmup", "steps", "batch-size", "grad-accum", "max-grad-norm", "seed", "loss-tokens", "padding-in-loss", "pad-to");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "trains a LoRA adapter per model on a suite's training family (default: the published recipe, r 8, q/k/v/o, 100 steps)"
                + " and keeps the adapter, its checkpoints and the loss curve for the rows that study the trained model";
    }

    @Override
    public Experiment create(Config config) {
        AtlasSettings s = new AtlasSettings(ID, config);
        RowScope rows = RowScope.read(s.settings(), config);
        String suite = s.text("suite");
        String split = s.text("split");
        String family = s.text("family");
        PerModel<Recipe> recipes = PerModel.read(s.settings(), PER_MODEL, m -> Recipe.read(new AtlasSettings(m), m.config()));
        s.check();
        return new LoraTraining(rows, suite, split, family, recipes);
    }
}
