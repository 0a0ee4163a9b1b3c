package io.interp4j.engine.djl;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.testkit.BatchedForwardContractTest;

/** The djl engine against the batched-forward contract: padding, start layers, past keys and values, rows. */
class DjlBatchedForwardTest extends BatchedForwardContractTest {
    @Override
    protected EngineProvider provider() {
        return new DjlEngineProvider();
    }
}
