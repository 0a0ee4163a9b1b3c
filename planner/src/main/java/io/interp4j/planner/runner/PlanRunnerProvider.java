package io.interp4j.planner.runner;

/**
 * Where a study's forward plans run when not in the study's own JVM (e.g. on Apache Spark), found
 * by {@link java.util.ServiceLoader} under the id that {@code interp4j study --runner ID} names. A
 * provider may live on the class path (Spark cannot be a JPMS module), so the app never compiles
 * against one.
 */
public interface PlanRunnerProvider {
    /**
     * Returns the id {@code --runner} names.
     *
     * @return lowercase kebab-case, e.g. {@code spark}
     */
    String id();

    /**
     * Starts the runner for one study.
     *
     * @param settings the runner's options, the study's models and the planner's bounds
     * @return the runner; the study closes it when it ends
     */
    PlanRunner open(RunnerSettings settings);
}
