package io.interp4j.planner.runner;

import io.interp4j.api.plan.PlanExecutor;
import java.nio.file.Path;

/** A started runner of forward plans for one study; closing it releases what it started. */
public interface PlanRunner extends AutoCloseable {
    /**
     * Returns the executor of one step's forward plans.
     *
     * @param partial a folder the runner may keep the step's finished parts in (not yet created): an
     *     interrupted step, rerun with nothing changed, gets the same folder back and reuses what is
     *     there; the study deletes it once the step is stored
     * @return a new step executor
     */
    Step step(Path partial);

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
