package io.interp4j.engine.onnx;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.testkit.EngineContractTest;

/** The onnx engine against the shared engine contract and the double-precision reference. */
class OnnxEngineContractTest extends EngineContractTest {
    @Override
    protected EngineProvider provider() {
        return new OnnxEngineProvider();
    }
}
