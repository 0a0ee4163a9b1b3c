package io.interp4j.api.plan;

import io.interp4j.api.Stable;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.Model;
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
     * Runs a plan.
     *
     * @param plan the requests
     * @param models resolves a request's model name to a loaded model (the executor does not close it)
     * @param progress advanced by one per request when its readout is ready
     * @return one readout per request, in order
     */
    List<ForwardReadout> execute(ForwardPlan plan, Function<String, Model> models, Progress progress);
}
