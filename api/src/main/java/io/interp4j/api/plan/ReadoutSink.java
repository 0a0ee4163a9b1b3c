package io.interp4j.api.plan;

import io.interp4j.api.Stable;

/**
 * Receives a plan's readouts one at a time, as an executor finishes them, so that a plan of tens of
 * thousands of requests never holds all their logits at once (a last-position readout of a
 * 151,936-token vocabulary is 0.6 MB: the 60,624 head ablations of one Qwen2.5-0.5B scan would be 37 GB).
 *
 * <p>Every request's readout is delivered exactly once, on the thread that called the executor, in an
 * order the executor chooses: not necessarily the plan's. The planner delivers a prompt's clean readout
 * before the intervened readouts on the same prompt, but a sink must not rely on any order;
 * {@link ReadoutPairs} pairs readouts with a reference in any order.
 *
 * @since 0.3
 */
@Stable
@FunctionalInterface
public interface ReadoutSink {
    /**
     * Takes one readout.
     *
     * @param index the request's index in the plan
     * @param readout what it read
     */
    void accept(int index, ForwardReadout readout);
}
