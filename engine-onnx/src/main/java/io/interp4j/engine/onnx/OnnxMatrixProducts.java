package io.interp4j.engine.onnx;

import static io.interp4j.engine.onnx.GraphIr.attr;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.model.MatrixProducts;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.ThreadPolicy;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The bare matrix products of one forward as one ONNX graph of independent products: a Gemm per
 * projection weight of every block (transposed B, as the model graph multiplies the blocks' weights, with the
 * checkpoint's weights supplied as initializers so ONNX Runtime prepacks them for MLAS exactly as for a
 * forward), the attention products of every block as batched MatMuls, and the unembedding. Every
 * product reads a runtime input, so none is folded away, and every result is an output, so none is
 * pruned.
 */
final class OnnxMatrixProducts implements MatrixProducts {
    private static final List<String> FROM_NORMED = List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight",
            "self_attn.v_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight");

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelConfig config;
    private final Map<String, OnnxTensor> weights;
    private final Random random = new Random(42);

    private OnnxMatrixProducts(OrtEnvironment env, OrtSession session, ModelConfig config, Map<String, OnnxTensor> weights) {
        this.env = env;
        this.session = session;
        this.config = config;
        this.weights = weights;
    }

    static OnnxMatrixProducts of(Checkpoint checkpoint) {
        ModelConfig config = checkpoint.config();
        GraphIr g = new GraphIr();
        String x = g.input("x", GraphIr.FLOAT);
        String xq = g.input("xq", GraphIr.FLOAT);
        String xm = g.input("xm", GraphIr.FLOAT);
        String xu = g.input("xu", GraphIr.FLOAT);
        String queries = g.input("queries", GraphIr.FLOAT);
        String keysT = g.input("keys_t", GraphIr.FLOAT);
        String pattern = g.input("pattern", GraphIr.FLOAT);
        String values = g.input("values", GraphIr.FLOAT);
        Map<String, String> products = new LinkedHashMap<>();
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (String suffix : FROM_NORMED) {
                products.put(Qwen2Layout.layer(layer, suffix), x);
            }
            products.put(Qwen2Layout.layer(layer, "self_attn.o_proj.weight"), xq);
            products.put(Qwen2Layout.layer(layer, "mlp.down_proj.weight"), xm);
            g.output(g.op("MatMul", List.of(queries, keysT)));
            g.output(g.op("MatMul", List.of(pattern, values)));
        }
        products.put(Qwen2Layout.unembedding(config), xu);
        products.forEach((weight, input) -> g.output(g.op("Gemm", List.of(input, g.weight(weight)), attr("transB", 1L))));

        OrtEnvironment env = OnnxModel.environment();
        Map<String, OnnxTensor> weights = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        try {
            for (String name : products.keySet()) {
                long[] shape = checkpoint.info(name).shape();
                shapes.put(name, shape);
                weights.put(name, OnnxTensor.createTensor(env, checkpoint.float32(name), shape, OnnxJavaType.FLOAT));
            }
            Segments.Segment segment = Segments.cut(g, Set.of(), false, false, shapes).get(0);
            try (OrtSession.SessionOptions options = OnnxModel.sessionOptions(ThreadPolicy.current())) {
                options.addExternalInitializers(new LinkedHashMap<String, OnnxTensorLike>(weights));
                return new OnnxMatrixProducts(env, env.createSession(segment.model(), options), config, weights);
            }
        } catch (OrtException | RuntimeException e) {
            weights.values().forEach(OnnxTensor::close);
            if (e instanceof Interp4jException ie) {
                throw ie;
            }
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, checkpoint.directory() + ": ONNX Runtime rejected the matrix products: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public double millis(int tokens, int keys, int unembedded) {
        if (tokens < 1 || keys < tokens || unembedded < 1 || unembedded > tokens) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "matrix products: need 1 <= tokens <= keys and 1 <= unembedded <= tokens,"
                    + " found tokens " + tokens + ", keys " + keys + ", unembedded " + unembedded);
        }
        int heads = config.numHeads();
        int dh = config.headDim();
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            inputs.put("x", random(tokens, config.hiddenSize()));
            inputs.put("xq", random(tokens, (long) heads * dh));
            inputs.put("xm", random(tokens, config.intermediateSize()));
            inputs.put("xu", random(unembedded, config.hiddenSize()));
            inputs.put("queries", random(heads, tokens, dh));
            inputs.put("keys_t", random(heads, dh, keys));
            inputs.put("pattern", random(heads, tokens, keys));
            inputs.put("values", random(heads, keys, dh));
            long start = System.nanoTime();
            try (OrtSession.Result ignored = session.run(inputs)) {
                return (System.nanoTime() - start) / 1e6;
            }
        } catch (OrtException e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "matrix products for " + tokens + " tokens: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor random(long... shape) throws OrtException {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        FloatBuffer buffer = FloatBuffer.allocate(Math.toIntExact(size));
        for (int i = 0; i < size; i++) {
            buffer.put((float) random.nextGaussian());
        }
        return OnnxTensor.createTensor(env, buffer.flip(), shape);
    }

    /** The number of products in the graph, each one output. */
    long products() {
        return session.getNumOutputs();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "cannot close the matrix products' session: " + e.getMessage(), e);
        } finally {
            weights.values().forEach(OnnxTensor::close);
        }
    }
}
