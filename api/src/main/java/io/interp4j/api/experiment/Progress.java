package io.interp4j.api.experiment;

import io.interp4j.api.Stable;

/**
 * Progress of one step, counted in forward passes (the unit of {@link Experiment#forwardPasses}).
 *
 * @since 0.1
 */
@Stable
public interface Progress {
    /**
     * Reports finished work.
     *
     * @param forwardPasses how many forward passes finished since the last call
     */
    void advance(long forwardPasses);

    /**
     * Ignores progress, for tests.
     *
     * @return a progress that does nothing
     */
    static Progress none() {
        return n -> { };
    }
}
