package io.interp4j.experiments.sweep;

import com.typesafe.config.Config;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.experiments.common.PluginRef;
import io.interp4j.experiments.common.Scope;
import io.interp4j.experiments.common.StepSettings;
import java.util.List;

/** {@code sweep}: one intervention across sweep points × prompts, compared with the clean run by metrics. */
public final class SweepFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "sweep";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "runs one intervention at every point of a sweep (layers, heads, scales, ...) on every prompt of a suite and"
                + " compares each run with the clean run by logit metrics, per prompt, per family and overall";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        Scope scope = Scope.read(settings);
        PluginRef intervention = settings.plugin("intervention");
        Config sweep = settings.objectOrEmpty("sweep");
        List<Axis> axes = sweep == null ? null : Axis.read(settings, sweep);
        List<PluginRef> metrics = settings.plugins("metrics");
        TargetToken.Rule rule = null;
        String ruleText = settings.text("target-rule");
        if (ruleText != null) {
            try {
                rule = TargetToken.Rule.parse(ruleText);
            } catch (Interp4jException e) {
                settings.problem("target-rule", "found '" + ruleText + "'; allowed: exact, leading-space, first-token");
            }
        }
        if (axes != null) {
            for (Axis axis : axes) {
                if (SweepResults.RESERVED.contains(axis.name())) {
                    settings.problem("sweep." + axis.name(), "'" + axis.name() + "' is a column of the sweep's tables"
                            + " and cannot be swept; reserved: " + SweepResults.RESERVED);
                }
            }
        }
        if (metrics != null) {
            for (PluginRef metric : metrics) {
                boolean axisName = axes != null && axes.stream().anyMatch(a -> a.name().equals(metric.name()));
                if (SweepResults.RESERVED.contains(metric.name()) || axisName) {
                    settings.problem(metric.key() + ".name", "'" + metric.name() + "' is already a column of the sweep's tables"
                            + " (reserved: " + SweepResults.RESERVED + " and the swept keys); give the metric another name");
                }
            }
        }
        settings.check();
        return new SweepExperiment(scope, intervention, axes, metrics, rule);
    }
}
