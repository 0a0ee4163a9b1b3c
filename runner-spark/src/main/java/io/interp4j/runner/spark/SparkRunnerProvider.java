package io.interp4j.runner.spark;

import io.interp4j.planner.runner.PlanRunner;
import io.interp4j.planner.runner.PlanRunnerProvider;
import io.interp4j.planner.runner.RunnerSettings;

/** {@code --runner spark}: the study's forward plans on Apache Spark. */
public final class SparkRunnerProvider implements PlanRunnerProvider {
    @Override
    public String id() {
        return "spark";
    }

    @Override
    public PlanRunner open(RunnerSettings settings) {
        return SparkPlanRunner.open(settings);
    }
}
