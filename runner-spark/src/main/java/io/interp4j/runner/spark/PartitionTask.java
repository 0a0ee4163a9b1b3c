package io.interp4j.runner.spark;

import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import java.io.Serializable;
import org.apache.spark.SparkEnv;
import java.nio.file.Path;
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
     * A finished partition: the executor that computed it and how many readouts it stored.
     *
     * @param executor the executor's id ({@code driver} in local mode)
     * @param engineThreads the intra-op threads the executor's engines use ({@link ThreadPolicy}: on a standalone worker,
     *     what the worker's environment says)
     * @param readouts how many readouts the partition's file holds
     */
    record Done(String executor, int engineThreads, int readouts) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Runs the partition and stores its readouts as they come, in the step's partial folder (see {@link PartitionStore}). */
    Done run() {
        return ExecutorModels.running(() -> {
            hook.before(partition);
            ForwardPlan.Builder plan = ForwardPlan.builder();
            requests.forEach(r -> plan.add(r.decode()));
            try (PartitionStore.Writer store = new PartitionStore.Writer(Path.of(this.store), key)) {
                new Planner(new PlannerOptions(batchTokens, cacheBytes)).execute(plan.build(),
                        key -> ExecutorModels.get(models.get(key)), n -> { },
                        (i, readout) -> store.add(Wire.Result.of(requests.get(i).index(), readout)));
                store.commit();
            }
            return new Done(SparkEnv.get().executorId(), ThreadPolicy.current().intraOp(), requests.size());
        });
    }
}
