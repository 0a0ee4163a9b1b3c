package io.interp4j.experiments.atlas.knockout;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code skill-knockout}: STUDY.md row 6, the selectivity of knocking out a skill direction in the LoRA-trained model. */
public final class SkillKnockoutFactory implements ExperimentFactory {
    /** The settings that may differ per model: the seed ran a different block and formula at each scale. */
    private static final Set<String> PER_MODEL = Set.of("layer", "published-formula");

    /** The plugin id. */
    public static final String ID = "skill-knockout";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 6: adds s × (mean positive − mean negative resid_post at a layer) at the last position of the"
                + " LoRA-trained model and compares the target-probability drop of skill and non-skill prompts (selectivity)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        RowScope scope = RowScope.read(settings, config);
        TrainedModels trained = TrainedModels.read(settings);
        String suite = settings.text("suite");
        String split = settings.text("split");
        List<Double> scales = scales(settings, config);
        double readScale = number(settings, config, "read-scale");
        double floor = number(settings, config, "denominator-floor");
        if (!(floor > 0)) {
            settings.problem("denominator-floor", "found " + floor + "; allowed: a number > 0 (the published study used 1e-6)");
        }
        if (readScale == 0) {
            settings.problem("read-scale", "found 0; allowed: a non-zero scale listed in scales (s = 0 is the reference)");
        } else if (scales != null && Double.isFinite(readScale) && !scales.contains(readScale)) {
            settings.problem("read-scale", "found " + readScale + ", which is not listed in scales " + scales + "; allowed: one of them");
        }
        PerModel<SkillKnockout.Recipe> recipes = PerModel.read(settings, PER_MODEL, SkillKnockoutFactory::recipe);
        ConfigValue controls = config.getValue("random-vectors");
        int randomVectors = controls.unwrapped() instanceof Integer n ? n : -1;
        if (randomVectors < 0) {
            settings.problem("random-vectors", "found " + StepSettings.render(controls) + "; allowed: an integer >= 0 (0: no control)");
        }
        settings.check();
        return new SkillKnockout(scope, trained, suite, split, recipes, scales, readScale, floor, randomVectors);
    }

    /** Reads the settings that may differ per model: the block and the published formula. */
    private static SkillKnockout.Recipe recipe(StepSettings settings) {
        Integer layer = layer(settings, settings.config());
        String formulaText = settings.text("published-formula");
        SkillKnockout.Formula formula = null;
        if (formulaText != null) {
            formula = SkillKnockout.Formula.parse(formulaText);
            if (formula == null) {
                settings.problem("published-formula", "found '" + formulaText + "'; allowed: signed (0.5B: mean skill drop / max(mean"
                        + " non-skill drop, floor)) or abs (1.5B: mean skill drop / max(|mean non-skill drop|, floor))");
            }
        }
        return formula == null || (layer != null && layer < 0) ? null : new SkillKnockout.Recipe(layer, formula);
    }

    /** {@code middle} (null: the model's middle block, n_layers / 2) or a block index. */
    private static Integer layer(StepSettings settings, Config config) {
        ConfigValue value = config.getValue("layer");
        if (value.valueType() == ConfigValueType.STRING && "middle".equals(value.unwrapped())) {
            return null;
        }
        if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer n && n >= 0) {
            return n;
        }
        settings.problem("layer", "found " + StepSettings.render(value)
                + "; allowed: middle (n_layers / 2 of each model) or a block index >= 0");
        return -1;
    }

    private static List<Double> scales(StepSettings settings, Config config) {
        List<Double> scales;
        try {
            scales = config.getDoubleList("scales");
        } catch (ConfigException e) {
            settings.problem("scales", "found " + StepSettings.render(config.getValue("scales"))
                    + "; allowed: a non-empty list of numbers");
            return null;
        }
        Set<Double> distinct = new LinkedHashSet<>(scales);
        if (scales.isEmpty() || distinct.size() != scales.size() || !scales.contains(0.0)
                || scales.stream().anyMatch(s -> !Double.isFinite(s))) {
            settings.problem("scales", "found " + scales + "; allowed: a non-empty list of distinct finite numbers that contains 0"
                    + " (the reference every drop is measured from)");
            return null;
        }
        return List.copyOf(scales);
    }

    private static double number(StepSettings settings, Config config, String key) {
        double value = config.getDouble(key);
        if (!Double.isFinite(value)) {
            settings.problem(key, "found " + value + "; allowed: a finite number");
        }
        return value;
    }
}
