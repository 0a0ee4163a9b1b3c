package io.interp4j.experiments.probe;

import com.typesafe.config.Config;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.common.PluginRef;
import io.interp4j.experiments.common.Scope;
import io.interp4j.experiments.common.StepSettings;

/** {@code probe}: runs one probe plugin over a suite's prompts and reports its rows and tensors. */
public final class ProbeStepFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "probe";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "runs one probe (logit lens, attention patterns, activation statistics, ...) over a suite's prompts and reports"
                + " its rows and a summary of its tensors";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        Scope scope = Scope.read(settings);
        PluginRef probe = settings.plugin("probe");
        settings.check();
        return new ProbeStep(scope, probe);
    }
}
