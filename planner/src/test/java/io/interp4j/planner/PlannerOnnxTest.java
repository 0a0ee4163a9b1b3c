package io.interp4j.planner;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.engine.onnx.OnnxEngineProvider;

/** The planner against the plain path on ONNX Runtime, whose per-row interventions compile into the graph. */
class PlannerOnnxTest extends PlannerTest {
    @Override
    protected EngineProvider provider() {
        return new OnnxEngineProvider();
    }
}
