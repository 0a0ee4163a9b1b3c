package io.interp4j.testkit.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.plugin.PluginKind;
import org.junit.jupiter.api.Test;

/**
 * The contract of an experiment plugin (a study step): {@link PluginContract}, and with its defaults
 * (plus {@link #minimalSettings}) it validates without problems on the tiny study, runs there into a
 * result with tables or a summary, and runs as many forward passes as it declared beforehand.
 */
public abstract class ExperimentContract extends TinyStudyContract<ExperimentFactory> {
    @Override
    protected final PluginKind kind() {
        return PluginKind.EXPERIMENT;
    }

    @Override
    protected final Class<ExperimentFactory> spi() {
        return ExperimentFactory.class;
    }

    @Test
    void validatesAndRunsOnATinyStudyWithItsDefaults() {
        Experiment experiment = factory().create(settings(minimalSettings()));
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.describe()).isNotBlank();
        long declared = experiment.forwardPasses(study);
        study.takeForwards();
        StepResult result = experiment.run(study, Progress.none());
        assertThat(result.tables().isEmpty() && result.summary().isEmpty()).as("%s returned neither tables nor a summary", id()).isFalse();
        assertThat(study.takeForwards()).as("forward passes %s ran against the %d it declared", id(), declared).isEqualTo(declared);
    }
}
