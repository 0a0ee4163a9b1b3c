package io.interp4j.engine.onnx;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.MatrixProducts;
import io.interp4j.api.model.Model;
import java.util.Optional;

/** The {@code onnx} engine: ONNX Runtime on graphs built in Java from the checkpoint. */
public final class OnnxEngineProvider implements EngineProvider {
    /** The engine id. */
    public static final String ID = "onnx";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Qwen2 as ONNX graphs built in Java, run by ONNX Runtime (CPU, float32): one fused graph, cut at active hook points";
    }

    @Override
    public Model load(Checkpoint checkpoint) {
        return OnnxModel.load(checkpoint, LoadOptions.defaults());
    }

    @Override
    public Model load(Checkpoint checkpoint, LoadOptions options) {
        return OnnxModel.load(checkpoint, options);
    }

    /** ONNX Runtime's MLAS GEMM on prepacked weights: the fastest matrix kernels the project has on this CPU. */
    @Override
    public Optional<MatrixProducts> matrixProducts(Checkpoint checkpoint) {
        return Optional.of(OnnxMatrixProducts.of(checkpoint));
    }
}
