package io.interp4j.planner.runner;

import io.interp4j.api.plan.PlanExecutor;

/** A started runner of forward plans for one study; closing it releases what it started. */
public interface PlanRunner extends AutoCloseable {
    /**
     * Returns the executor of one step's forward plans.
     *
     * @return a new step executor
     */
    Step step();

    @Override
    void close();

    /** Runs one step's forward plans and tells where they ran. */
    interface Step extends PlanExecutor {
        /**
         * Describes where this step's plans ran, for the report.
         *
         * @return e.g. {@code Spark local[2]: 2 executors, 4 partitions in 1 plan}, or where the step
         *     ran without plans
         */
        String ranOn();
    }
}
