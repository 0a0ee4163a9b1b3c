package io.interp4j.runner.spark;

import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import java.io.Serializable;
import org.apache.spark.SparkEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One partition of a plan as Spark ships it: its requests (with their indices in the driver's plan), the
 * sources of the models they name, and the planner's bounds. {@link #run()} runs on an executor: the
 * requests through the same local {@link Planner} as a local study, on the executor's cached models.
 *
 * @param partition the partition's number
 * @param requests the requests
 * @param models each request model key's source
 * @param batchTokens the planner's batch bound
 * @param cacheBytes the planner's cache bound
 * @param store the step's partial folder, where the finished partition is kept for a rerun (a path every executor sees)
 * @param key the partition's file name there ({@link PartitionStore#key})
 * @param hook called before the partition runs (tests make a task fail there)
 */
record PartitionTask(int partition, List<Wire.Request> requests, Map<String, Source> models, int batchTokens, long cacheBytes, String store,
        String key, Hook hook) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What runs on the executor before a partition. */
    interface Hook extends Serializable {
        /** Does nothing. */
        Hook NONE = partition -> { };

        void before(int partition);
    }

    /**
     * A finished partition's readouts and the executor that computed them.
     *
     * @param executor the executor's id ({@code driver} in local mode)
     * @param engineThreads the intra-op threads the executor's engines use ({@link ThreadPolicy}: on a standalone worker,
     *     what the worker's environment says)
     * @param results the readouts
     */
    record Done(String executor, int engineThreads, List<Wire.Result> results) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    Done run() {
        return ExecutorModels.running(() -> {
            hook.before(partition);
            ForwardPlan.Builder plan = ForwardPlan.builder();
            requests.forEach(r -> plan.add(r.decode()));
            List<ForwardReadout> readouts = new Planner(new PlannerOptions(batchTokens, cacheBytes))
                    .execute(plan.build(), key -> ExecutorModels.get(models.get(key)), n -> { });
            List<Wire.Result> results = new ArrayList<>(readouts.size());
            for (int i = 0; i < readouts.size(); i++) {
                results.add(Wire.Result.of(requests.get(i).index(), readouts.get(i)));
            }
            PartitionStore.write(Path.of(store), key, results);
            return new Done(SparkEnv.get().executorId(), ThreadPolicy.current().intraOp(), results);
        });
    }
}
