/**
 * The {@code djl} engine: Qwen2 written in DJL NDArray operations on PyTorch, float32 compute, every
 * hook point inline, greedy generation with a KV cache. Found through {@link
 * io.interp4j.api.model.EngineProvider}; exports nothing.
 */
module io.interp4j.engine.djl {
    requires io.interp4j.api;
    requires ai.djl.api;
    requires ai.djl.pytorch_engine;
    requires com.google.gson;
    // q8 / q4 multiply their quantised blocks with the Vector API (BlockKernel); incubating in Java 17
    requires jdk.incubator.vector;

    provides io.interp4j.api.model.EngineProvider with io.interp4j.engine.djl.DjlEngineProvider;
}
