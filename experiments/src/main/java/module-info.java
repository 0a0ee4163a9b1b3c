/**
 * Experiment plugins (study steps): {@code sweep} (one intervention across sweep points × prompts,
 * compared with the clean run by logit metrics), {@code probe} (one probe over a suite), and the
 * fourteen rows of the seed atlas (package {@code io.interp4j.experiments.atlas}), each in the
 * published and the corrected protocol. Exports nothing; found through
 * {@link io.interp4j.api.experiment.ExperimentFactory}.
 */
module io.interp4j.experiments {
    requires io.interp4j.api;

    provides io.interp4j.api.experiment.ExperimentFactory with
            io.interp4j.experiments.atlas.heads.HeadSpecialisationFactory,
            io.interp4j.experiments.atlas.lora.LoraTrainingFactory,
            io.interp4j.experiments.atlas.lockin.CircuitLockInFactory,
            io.interp4j.experiments.atlas.shift.JsonTrainingShiftFactory,
            io.interp4j.experiments.atlas.steering.SteeringLeverageFactory,
            io.interp4j.experiments.atlas.vibe.VibeCheckFactory,
            io.interp4j.experiments.atlas.knockout.SkillKnockoutFactory,
            io.interp4j.experiments.atlas.transfer.CrossModelTransferFactory,
            io.interp4j.experiments.atlas.adapternorm.AdapterNormEffectFactory,
            io.interp4j.experiments.sweep.SweepFactory,
            io.interp4j.experiments.probe.ProbeStepFactory,
            io.interp4j.experiments.atlas.hub.UniversalHubFactory,
            io.interp4j.experiments.atlas.architecture.ArchitectureFactory,
            io.interp4j.experiments.atlas.mlp.MlpDominanceFactory,
            io.interp4j.experiments.atlas.skip.LayerSkippingFactory,
            io.interp4j.experiments.atlas.exit.EarlyExitFactory;
}
