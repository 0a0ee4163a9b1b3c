package io.interp4j.experiments.atlas.golden;

/**
 * One row of the reduced atlas: the settings its step runs with and the check that recomputes every
 * number of its atlas table without the plugin's code. The implementation for experiment {@code id}
 * is the class {@code <Id in CamelCase>Golden} of this package ({@code universal-hub} &rarr;
 * {@code UniversalHubGolden}), with a public no-argument constructor.
 */
public interface GoldenRow {
    /**
     * Returns the step's settings (HOCON), reduced to keep the golden run short; the models are set by
     * {@link GoldenAtlas}.
     *
     * @return the settings
     */
    String settings();

    /**
     * Recomputes the step's atlas numbers independently and checks each through the ledger.
     *
     * @param atlas the golden run, for the study, the suites and the other steps' results
     * @param ledger the step's atlas cells
     */
    void check(GoldenAtlas atlas, Ledger ledger);
}
