/** Metric plugins. Exports nothing; found through {@link io.interp4j.api.metric.MetricFactory}. */
module io.interp4j.metrics {
    requires io.interp4j.api;

    provides io.interp4j.api.metric.MetricFactory with
            io.interp4j.metrics.kl.KlDivergenceFactory,
            io.interp4j.metrics.topk.TopKOverlapFactory,
            io.interp4j.metrics.argmax.ArgmaxAgreementFactory,
            io.interp4j.metrics.target.TargetProbabilityFactory,
            io.interp4j.metrics.target.TargetLogprobDropFactory,
            io.interp4j.metrics.target.LogitDifferenceFactory,
            io.interp4j.metrics.selectivity.SelectivityFactory,
            io.interp4j.metrics.recovery.RecoveryFactory,
            io.interp4j.metrics.correlation.PearsonFactory,
            io.interp4j.metrics.correlation.SpearmanFactory,
            io.interp4j.metrics.generation.RepetitionRatioFactory,
            io.interp4j.metrics.generation.ConstraintAdherenceFactory,
            io.interp4j.metrics.generation.ThroughputFactory;
}
