/**
 * Experiment plugins (study steps): {@code sweep} (one intervention across sweep points × prompts,
 * compared with the clean run by logit metrics) and {@code probe} (one probe over a suite). Exports
 * nothing; found through {@link io.interp4j.api.experiment.ExperimentFactory}.
 */
module io.interp4j.experiments {
    requires io.interp4j.api;

    provides io.interp4j.api.experiment.ExperimentFactory with
            io.interp4j.experiments.sweep.SweepFactory,
            io.interp4j.experiments.probe.ProbeStepFactory;
}
