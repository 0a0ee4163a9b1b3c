package io.interp4j.experiments.atlas.exit;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code early-exit}: the atlas row "Early exit" (STUDY.md row 10). Published: lm_head on a layer's
 * output without the final RMSNorm; corrected: the logit lens, with it.
 */
public final class EarlyExitFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "early-exit";

    /** The settings that may differ per model: the seed's prompts and last-layer handling differed by scale. */
    private static final Set<String> PER_MODEL = Stream.concat(AtlasScope.PROMPT_KEYS.stream(), Stream.of("last-layer-full-logits"))
            .collect(Collectors.toUnmodifiableSet());

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 'early exit': per layer, argmax agreement, KL(full ‖ exit) and top-k overlap of the exit's logits with"
                + " the model's, speed-up n_layers / (L + 1); published = lm_head without the final norm, corrected = logit lens";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<EarlyExitExperiment.Recipe> recipes = PerModel.read(settings, PER_MODEL, s -> {
            AtlasScope scope = AtlasScope.readFamilyRow(s);
            boolean lastLayerFull = s.config().getBoolean("last-layer-full-logits");
            return scope == null ? null : new EarlyExitExperiment.Recipe(scope, lastLayerFull);
        });
        double threshold = config.getDouble("agreement-threshold");
        if (!(threshold > 0 && threshold <= 1)) {
            settings.problem("agreement-threshold", "found " + threshold + "; allowed: a fraction in (0, 1]");
        }
        int topK = config.getInt("top-k");
        if (topK < 1) {
            settings.problem("top-k", "found " + topK + "; allowed: an integer >= 1 (at most the vocabulary size)");
        }
        settings.check();
        return new EarlyExitExperiment(recipes, threshold, topK);
    }
}
