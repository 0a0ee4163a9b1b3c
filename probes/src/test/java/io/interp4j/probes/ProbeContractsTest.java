package io.interp4j.probes;

import io.interp4j.testkit.plugin.ProbeContract;
import org.junit.jupiter.api.Nested;

/** The published probe contract (testkit), applied to every probe of the module that reads a model. */
class ProbeContractsTest {
    @Nested
    class ActivationCache extends ProbeContract {
        @Override
        protected String id() {
            return "activation-cache";
        }
    }

    @Nested
    class LogitLens extends ProbeContract {
        @Override
        protected String id() {
            return "logit-lens";
        }
    }

    @Nested
    class AttentionPattern extends ProbeContract {
        @Override
        protected String id() {
            return "attention-pattern";
        }
    }

    @Nested
    class ActivationStats extends ProbeContract {
        @Override
        protected String id() {
            return "activation-stats";
        }
    }

    @Nested
    class MeanDifference extends ProbeContract {
        @Override
        protected String id() {
            return "mean-difference";
        }
    }
}
