package io.interp4j.api.plan;

import io.interp4j.api.Stable;

/**
 * Receives the readouts of several independent plans handed to an executor together ({@link
 * PlanExecutor#execute(java.util.List, java.util.function.Function, io.interp4j.api.experiment.Progress,
 * PlansSink)}): every request's readout once, on the thread that called the executor, and all of one
 * plan's readouts before any of the next plan's; within a plan, in the executor's order (as for {@link
 * ReadoutSink}).
 *
 * @since 0.3
 */
@Stable
@FunctionalInterface
public interface PlansSink {
    /**
     * Takes one readout.
     *
     * @param plan the plan's index in the list handed to the executor
     * @param index the request's index in that plan
     * @param readout what it read
     */
    void accept(int plan, int index, ForwardReadout readout);

    /**
     * Returns the sink of one plan's readouts.
     *
     * @param plan the plan's index
     * @return a sink that hands each readout here with {@code plan}
     */
    default ReadoutSink of(int plan) {
        return (index, readout) -> accept(plan, index, readout);
    }
}
