package io.interp4j.interventions;

import io.interp4j.testkit.plugin.InterventionContract;
import org.junit.jupiter.api.Nested;

/** The published intervention contract (testkit), applied to every intervention of the module. */
class InterventionContractsTest {
    /** An intervention at layer 1 of the tiny study's two-block models, with the defaults otherwise. */
    abstract static class AtLayerOne extends InterventionContract {
        @Override
        protected String minimalSettings() {
            return "layer = 1";
        }
    }

    @Nested
    class ZeroAblation extends AtLayerOne {
        @Override
        protected String id() {
            return "zero-ablation";
        }
    }

    @Nested
    class MeanAblation extends AtLayerOne {
        @Override
        protected String id() {
            return "mean-ablation";
        }
    }

    @Nested
    class ResampleAblation extends AtLayerOne {
        @Override
        protected String id() {
            return "resample-ablation";
        }

        /** The tiny suite's prompts differ in length, so the source is copied at the last position. */
        @Override
        protected String minimalSettings() {
            return "layer = 1, positions = last";
        }
    }

    @Nested
    class ActivationPatching extends AtLayerOne {
        @Override
        protected String id() {
            return "activation-patching";
        }

        @Override
        protected String minimalSettings() {
            return "layer = 1, positions = last, source-prompts = corrupt";
        }
    }

    @Nested
    class Steering extends AtLayerOne {
        @Override
        protected String id() {
            return "steering";
        }
    }

    @Nested
    class Knockout extends AtLayerOne {
        @Override
        protected String id() {
            return "knockout";
        }
    }

    @Nested
    class LayerSkip extends InterventionContract {
        @Override
        protected String id() {
            return "layer-skip";
        }

        @Override
        protected String minimalSettings() {
            return "layers = [1]";
        }
    }
}
