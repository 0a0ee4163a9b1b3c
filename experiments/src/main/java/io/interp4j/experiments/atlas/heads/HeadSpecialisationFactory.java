package io.interp4j.experiments.atlas.heads;

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
 * {@code head-specialisation} (atlas row 4): the last-position KL of ablating one attention head at a
 * time, family means, the largest (layer, head). Published: the seed's 0.5B slice of the attention output
 * after o_proj, or its 1.5B true head restricted to the first layers; corrected: every head of every
 * layer zeroed at {@code attn.hook_z}, with stratified bootstrap intervals.
 */
public final class HeadSpecialisationFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "head-specialisation";

    /** The settings that may differ per model: the seed's prompts and published scan differed by scale. */
    private static final Set<String> PER_MODEL = Stream.concat(AtlasScope.PROMPT_KEYS.stream(), Stream.of("published-variant",
            "published-layers")).collect(Collectors.toUnmodifiableSet());

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 4: zero one attention head (or, as the seed's 0.5B run did, a d_head-wide slice of the attention output)"
                + " at a time and measure the family-mean KL at the last position; the largest (layer, head), in both protocols";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<HeadSpecialisation.Recipe> recipes = PerModel.read(settings, PER_MODEL, HeadSpecialisationFactory::recipe);
        settings.check();
        return new HeadSpecialisation(recipes);
    }

    /** Reads one recipe: the step's settings, or one model's overrides merged over them. */
    private static HeadSpecialisation.Recipe recipe(StepSettings settings) {
        AtlasScope scope = AtlasScope.readFamilyRow(settings);
        String variantText = settings.text("published-variant");
        HeadSpecialisation.Variant variant = null;
        if (variantText != null) {
            variant = HeadSpecialisation.Variant.parse(variantText);
            if (variant == null) {
                settings.problem("published-variant", "found '" + variantText + "'; allowed: slice (zero a d_head-wide slice of"
                        + " hook_attn_out, the seed's 0.5B run) or head (zero one head's input to o_proj, the seed's 1.5B run)");
            }
        }
        LayerScan layers = LayerScan.read(settings, "published-layers");
        return scope == null || variant == null || layers == null ? null : new HeadSpecialisation.Recipe(scope, variant, layers);
    }
}
