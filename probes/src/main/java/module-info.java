/** Read-only probe plugins. Exports nothing; found through {@link io.interp4j.api.probe.ProbeFactory}. */
module io.interp4j.probes {
    requires io.interp4j.api;

    provides io.interp4j.api.probe.ProbeFactory with
            io.interp4j.probes.cache.ActivationCacheProbeFactory,
            io.interp4j.probes.lens.LogitLensProbeFactory,
            io.interp4j.probes.attention.AttentionPatternProbeFactory,
            io.interp4j.probes.stats.ActivationStatsProbeFactory,
            io.interp4j.probes.direction.MeanDifferenceProbeFactory,
            io.interp4j.probes.adapter.AdapterNormsProbeFactory;
}
