/**
 * The {@code onnx} engine: Qwen2 expressed as ONNX graphs built in Java from the checkpoint and run by
 * ONNX Runtime. With no hook set it runs one fused graph; with hooks it cuts the graph at exactly the
 * active hook points. Found through {@link io.interp4j.api.model.EngineProvider}; exports nothing.
 */
module io.interp4j.engine.onnx {
    requires io.interp4j.api;
    requires ai.djl.api;
    requires com.microsoft.onnxruntime;
    requires org.tribuo.util.onnx;
    requires com.google.protobuf;

    provides io.interp4j.api.model.EngineProvider with io.interp4j.engine.onnx.OnnxEngineProvider;
}
