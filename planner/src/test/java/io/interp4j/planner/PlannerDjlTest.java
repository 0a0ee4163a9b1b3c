package io.interp4j.planner;

import io.interp4j.api.model.EngineProvider;
import io.interp4j.engine.djl.DjlEngineProvider;

/** The planner against the plain path on djl. */
class PlannerDjlTest extends PlannerTest {
    @Override
    protected EngineProvider provider() {
        return new DjlEngineProvider();
    }
}
