package io.interp4j.api.plan;

import io.interp4j.api.Stable;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.Model;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Runs forward plans. Every executor returns, for each request, what the plain path (one run per
 * request, its interventions installed, one unpadded forward) would read, within float tolerance;
 * how it gets there (batching, reuse, distribution) is its own.
 *
 * @since 0.2
 */
@Stable
public interface PlanExecutor {
    /**
     * Runs a plan, handing each readout to a sink as soon as it is ready and keeping none of them.
     *
     * @param plan the requests
     * @param models resolves a request's model name to a loaded model (the executor does not close it)
     * @param progress advanced by one per request when its readout is ready
     * @param sink takes every request's readout once, in the executor's order (see {@link ReadoutSink})
     * @since 0.3
     */
    void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink);

    /**
     * Runs a plan and returns all its readouts: for plans whose readouts fit in memory together (a
     * large plan should stream them to a {@link ReadoutSink}).
     *
     * @param plan the requests
     * @param models resolves a request's model name to a loaded model (the executor does not close it)
     * @param progress advanced by one per request when its readout is ready
     * @return one readout per request, in order
     */
    default List<ForwardReadout> execute(ForwardPlan plan, Function<String, Model> models, Progress progress) {
        ForwardReadout[] readouts = new ForwardReadout[plan.size()];
        execute(plan, models, progress, (index, readout) -> readouts[index] = readout);
        return Arrays.asList(readouts);
    }
}
