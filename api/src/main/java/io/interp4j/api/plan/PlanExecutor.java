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
     * Runs several independent plans (none reads another's readouts), handing each readout to a sink as
     * soon as it is ready, all of one plan's before any of the next plan's. An executor may run later
     * plans while it delivers earlier ones: the Spark runner runs them as concurrent jobs, so that one
     * plan's last partitions share the cluster with the next plan's first instead of leaving cores idle.
     * By default the plans run one after another.
     *
     * @param plans the plans, in the order their readouts are delivered
     * @param models resolves a request's model name to a loaded model (the executor does not close it)
     * @param progress advanced by one per request when its readout is ready
     * @param sink takes every request's readout once, with its plan's index in {@code plans}
     * @since 0.3
     */
    default void execute(List<ForwardPlan> plans, Function<String, Model> models, Progress progress, PlansSink sink) {
        for (int p = 0; p < plans.size(); p++) {
            execute(plans.get(p), models, progress, sink.of(p));
        }
    }

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
