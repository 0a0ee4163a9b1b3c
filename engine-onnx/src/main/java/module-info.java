/**
 * The {@code onnx} engine: Qwen2 expressed as ONNX graphs built in Java from the checkpoint and run by
 * ONNX Runtime. Observed and cached hook points are extra outputs of one fused graph; the graph is cut
 * only where a hook replaces a value. Found through {@link io.interp4j.api.model.EngineProvider}; exports nothing.
 */
module io.interp4j.engine.onnx {
    requires io.interp4j.api;
    requires ai.djl.api;
    requires com.microsoft.onnxruntime;
    requires org.tribuo.util.onnx;
    requires com.google.protobuf;

    provides io.interp4j.api.model.EngineProvider with io.interp4j.engine.onnx.OnnxEngineProvider;
}
