package io.interp4j.experiments.atlas.steering;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code steering-leverage} (atlas row 5): a mean-difference steering vector added at the last position
 * of a readout prompt at several scales; the target token's probability (published) and logit shift
 * against random vectors of equal norm, with a layer sweep (corrected).
 */
public final class SteeringLeverageFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "steering-leverage";

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
        AtlasScope scope = AtlasScope.read(config, settings);
        Integer layer = integer(settings, config, "layer", 0);
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
        Map<String, String> publishedTarget = new LinkedHashMap<>();
        Config targets = settings.objectOrEmpty("published-target");
        if (targets != null) {
            for (Map.Entry<String, ConfigValue> e : targets.root().entrySet()) {
                ConfigValue value = e.getValue();
                if (value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).isEmpty()) {
                    // not trimmed: the leading space is the point (" Rome" vs "rome")
                    publishedTarget.put(e.getKey(), (String) value.unwrapped());
                } else {
                    settings.problem("published-target." + e.getKey(), "found " + StepSettings.render(value)
                            + "; allowed: the target text as the published run spelled it for this model, e.g. \"rome\" or \" Rome\"");
                }
            }
        }
        settings.check();
        return new SteeringLeverage(scope, layer, scales, sweepScale, randomVectors, rule, publishedTarget);
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
