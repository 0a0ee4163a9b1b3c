package io.interp4j.experiments.atlas.lockin;

import com.typesafe.config.Config;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.atlas.lora.AtlasSettings;
import io.interp4j.experiments.atlas.lora.FamilyPrompts;
import java.util.List;

/**
 * {@code circuit-lock-in}: atlas row 12, whether the layers whose ablation hurts the target most are
 * already the top layers before LoRA training (step 0) and stay so through its checkpoints.
 */
public final class CircuitLockInFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "circuit-lock-in";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "zero-ablates each layer of the base model and of every LoRA checkpoint and compares the top layers by target log-prob"
                + " drop at step 0 and at the end of training (resid_post zeroing as published, the block's contribution as corrected)";
    }

    @Override
    public Experiment create(Config config) {
        AtlasSettings s = new AtlasSettings(ID, config);
        RowScope rows = RowScope.read(s.settings(), config);
        TrainedModels trained = TrainedModels.read(s.settings());
        FamilyPrompts prompts = FamilyPrompts.read(s);
        Integer perFamily = s.integer("prompts-per-family", 1);
        List<Integer> checkpoints = s.integers("checkpoints", 1);
        Integer top = s.integer("top", 1);
        String ruleText = s.text("target-rule");
        TargetToken.Rule rule = null;
        if (ruleText != null) {
            try {
                rule = TargetToken.Rule.parse(ruleText);
            } catch (Interp4jException e) {
                s.problem("target-rule", "found '" + ruleText + "'; allowed: exact, leading-space, first-token");
            }
        }
        Double tolerance = s.number("cascade-tolerance", v -> v >= 0, "a finite number >= 0 (logit units)");
        s.check();
        return new CircuitLockIn(rows, trained, prompts, perFamily, checkpoints, top, rule, tolerance);
    }
}
