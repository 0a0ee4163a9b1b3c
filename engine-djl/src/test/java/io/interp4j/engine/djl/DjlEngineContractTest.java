package io.interp4j.engine.djl;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.testkit.EngineContractTest;

/** The djl engine against the shared engine contract and the double-precision reference. */
class DjlEngineContractTest extends EngineContractTest {
    @Override
    protected EngineProvider provider() {
        return new DjlEngineProvider();
    }
}
