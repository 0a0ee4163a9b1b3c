/** Read-only probe plugins. Exports nothing; found through {@link io.interp4j.api.probe.ProbeFactory}. */
module io.interp4j.probes {
    requires io.interp4j.api;
}
