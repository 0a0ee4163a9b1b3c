package io.interp4j.experiments.atlas.steering;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code steering-leverage} (atlas row 5): a mean-difference steering vector added at the last position
 * of a readout prompt at several scales; the target token's probability (published) and logit shift
 * against random vectors of equal norm, with a layer sweep (corrected).
 */
public final class SteeringLeverageFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "steering-leverage";

    /**
     * The settings that may differ per model: the seed read a different target spelling at each scale, and
     * a model's prompts (suite, split, readout prompt) and steered layer may differ with it.
     */
    private static final Set<String> PER_MODEL = Set.of("suite", "split", "layer", "published-target", "published-prompt");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 5: add s × (mean layer-L output over positive sentences − over negative ones) at the last position of a"
                + " readout prompt; the target's probability per s (published) and its logit shift against random vectors of equal"
                + " norm, at every layer (corrected)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        PerModel<SteeringLeverage.Recipe> recipes = PerModel.read(settings, PER_MODEL, SteeringLeverageFactory::recipe);
        Integer randomVectors = integer(settings, config, "random-vectors", 1);
        List<Double> scales = scales(settings, config);
        Double sweepScale = number(settings, config, "sweep-scale");
        if (sweepScale != null && sweepScale == 0) {
            settings.problem("sweep-scale", "found 0; allowed: a finite non-zero number (the scale every layer of the sweep is"
                    + " steered at, e.g. 4)");
        }
        TargetToken.Rule rule = null;
        String ruleText = settings.text("target-rule");
        if (ruleText != null) {
            try {
                rule = TargetToken.Rule.parse(ruleText);
            } catch (Interp4jException e) {
                settings.problem("target-rule", "found '" + ruleText + "'; allowed: exact, leading-space, first-token");
            }
        }
        settings.check();
        return new SteeringLeverage(recipes, scales, sweepScale, randomVectors, rule);
    }

    /** Reads one recipe: the step's settings, or one model's overrides merged over them. */
    private static SteeringLeverage.Recipe recipe(StepSettings settings) {
        Config config = settings.config();
        AtlasScope scope = AtlasScope.read(config, settings);
        Integer layer = integer(settings, config, "layer", 0);
        Optional<String> target = spelling(settings, "published-target", "the target text as the published run spelled it for this model,"
                + " e.g. \"rome\" or \" Rome\"");
        Optional<String> prompt = spelling(settings, "published-prompt", "the readout prompt as the published run wrote it for this model,"
                + " trailing space included, e.g. \"The capital of Italy is \"");
        return scope == null || layer == null || target == null || prompt == null ? null
                : new SteeringLeverage.Recipe(scope, layer, target.orElse(null), prompt.orElse(null));
    }

    /**
     * Reads a text that is null (not set: empty) or a non-empty string kept exactly as written, not
     * trimmed: its spaces are the point ({@code " Rome"} vs {@code "rome"}, a prompt's trailing space).
     *
     * @return the text, empty for null, or null after recording a problem
     */
    private static Optional<String> spelling(StepSettings settings, String key, String allowed) {
        ConfigValue value = settings.config().root().get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return Optional.empty();
        }
        if (value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).isEmpty()) {
            return Optional.of((String) value.unwrapped());
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: null or " + allowed);
        return null;
    }

    private static List<Double> scales(StepSettings settings, Config config) {
        ConfigValue value = config.getValue("scales");
        List<Double> out = new ArrayList<>();
        String allowed = "; allowed: a list of distinct finite numbers holding 0 and at least one positive scale, e.g."
                + " [0, -0.5, 0.5, -1, 1, -2, 2, -4, 4]";
        if (value.valueType() != ConfigValueType.LIST) {
            settings.problem("scales", "found " + StepSettings.render(value) + allowed);
            return null;
        }
        for (Object item : (List<?>) value.unwrapped()) {
            if (!(item instanceof Number n) || !Double.isFinite(n.doubleValue()) || out.contains(n.doubleValue())) {
                settings.problem("scales", "found " + StepSettings.render(value) + allowed);
                return null;
            }
            out.add(n.doubleValue());
        }
        if (!out.contains(0.0) || out.stream().noneMatch(s -> s > 0)) {
            settings.problem("scales", "found " + StepSettings.render(value) + allowed);
            return null;
        }
        return List.copyOf(out);
    }

    private static Integer integer(StepSettings settings, Config config, String key, int min) {
        ConfigValue value = config.getValue(key);
        if (value.unwrapped() instanceof Integer n && n >= min) {
            return n;
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: an integer >= " + min);
        return null;
    }

    private static Double number(StepSettings settings, Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.unwrapped() instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        settings.problem(key, "found " + StepSettings.render(value) + "; allowed: a finite number");
        return null;
    }
}
