/**
 * Executors of forward plans: {@link io.interp4j.planner.PlainExecutor}, one forward per request (the
 * reference every faster executor is tested against), and {@link io.interp4j.planner.Planner}, which
 * batches, reuses clean prefixes and unembeds only what is read.
 */
module io.interp4j.planner {
    requires transitive io.interp4j.api;

    exports io.interp4j.planner;
    exports io.interp4j.planner.runner;
}
