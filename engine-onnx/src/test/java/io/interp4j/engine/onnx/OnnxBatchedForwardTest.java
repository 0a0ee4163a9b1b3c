package io.interp4j.engine.onnx;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.testkit.BatchedForwardContractTest;

/** The onnx engine against the batched-forward contract: padding, start layers, past keys and values, rows. */
class OnnxBatchedForwardTest extends BatchedForwardContractTest {
    @Override
    protected EngineProvider provider() {
        return new OnnxEngineProvider();
    }
}
