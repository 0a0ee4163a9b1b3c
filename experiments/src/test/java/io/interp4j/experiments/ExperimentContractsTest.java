package io.interp4j.experiments;

import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.testkit.plugin.ExperimentContract;
import java.util.Optional;
import org.junit.jupiter.api.Nested;

/** The published experiment contract (testkit), applied to the general steps and an atlas row. */
class ExperimentContractsTest {
    /** Forward plans run on the planner, as the app runs them. */
    abstract static class Planned extends ExperimentContract {
        @Override
        protected Optional<PlanExecutor> executor() {
            return Optional.of(new Planner(PlannerOptions.DEFAULTS));
        }
    }

    @Nested
    class Sweep extends Planned {
        @Override
        protected String id() {
            return "sweep";
        }

        /** The one thing zero-ablation's defaults leave open: a layer. */
        @Override
        protected String minimalSettings() {
            return "sweep.layer = all";
        }
    }

    @Nested
    class Probe extends Planned {
        @Override
        protected String id() {
            return "probe";
        }
    }

    @Nested
    class Architecture extends Planned {
        @Override
        protected String id() {
            return "architecture";
        }
    }
}
