package io.interp4j.experiments;

import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.testkit.plugin.ExperimentContract;
import java.util.Optional;
import org.junit.jupiter.api.Nested;

/**
 * The published experiment contract (testkit), applied to the general steps and the atlas rows that
 * run on the tiny study's suites (steering-leverage, skill-knockout, circuit-lock-in and vibe-check
 * need suites of their own families, the trained rows a training step; their own tests cover them).
 */
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

    /** An atlas row on the tiny study's two tokenized models and its main suite. */
    abstract static class AtlasRow extends Planned {
        @Override
        protected String minimalSettings() {
            return "models = [main, other], suite = main, split = all";
        }
    }

    @Nested
    class UniversalHub extends AtlasRow {
        @Override
        protected String id() {
            return "universal-hub";
        }
    }

    @Nested
    class MlpDominance extends AtlasRow {
        @Override
        protected String id() {
            return "mlp-dominance";
        }
    }

    @Nested
    class HeadSpecialisation extends AtlasRow {
        @Override
        protected String id() {
            return "head-specialisation";
        }
    }

    @Nested
    class LayerSkipping extends AtlasRow {
        @Override
        protected String id() {
            return "layer-skipping";
        }
    }

    @Nested
    class EarlyExit extends AtlasRow {
        @Override
        protected String id() {
            return "early-exit";
        }
    }
}
