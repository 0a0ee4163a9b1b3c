package io.interp4j.experiments.atlas.skip;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;
import java.util.List;

/**
 * {@code layer-skipping}: the atlas row "Layer skipping viability" (STUDY.md row 9). Published: the
 * layers' outputs zeroed (not a skip); corrected: a true skip (their contributions zeroed).
 */
public final class LayerSkippingFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "layer-skipping";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 'layer skipping viability': KL(full ‖ skipped) and top-k overlap at the last position for sets of"
                + " skipped layers; published = layer outputs zeroed, corrected = true skip (contributions zeroed)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<AtlasScope> scopes = AtlasScope.readPerModel(settings);
        List<int[]> configs = SkipConfigs.read(config, settings);
        int topK = config.getInt("top-k");
        if (topK < 1) {
            settings.problem("top-k", "found " + topK + "; allowed: an integer >= 1 (at most the vocabulary size)");
        }
        double tolerance = config.getDouble("identical-kl-tolerance");
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            settings.problem("identical-kl-tolerance", "found " + tolerance + "; allowed: a finite number >= 0");
        }
        settings.check();
        return new LayerSkippingExperiment(scopes, configs, topK, tolerance);
    }
}
