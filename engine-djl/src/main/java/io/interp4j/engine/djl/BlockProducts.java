package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.quant.Quantization;
import java.nio.FloatBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The products of a model loaded with a fast quantisation ({@code q8}, {@code q4}): the input of every
 * block projection and of the unembedding (which these modes quantise at 8 bits) is quantised to int8
 * per block of 64 inputs, {@code scale = max(absmax, MIN_NORMAL) / 127}, {@code code = clamp(round(x /
 * scale), ±127)} (half to even), and multiplied with the weight blocks: the scheme of ONNX Runtime's
 * {@code MatMulNBits} at accuracy level 4 (the two engines' fast-mode logits agree to three digits in
 * the contract suite).
 *
 * <p>Two paths compute the same numbers, chosen by the number of rows a product multiplies:
 * up to {@value #KERNEL_ROWS} rows (a decode step of one sequence) {@link BlockKernel} multiplies the
 * codes as integers, reading one byte a weight ({@code q8}) or half of one ({@code q4}); more rows go
 * through PyTorch's float32 product of the quantised inputs' values with the dequantised weights,
 * which is compute-bound there and faster than the Java kernels. The input codes are the same float32
 * operations on both paths, so the paths differ only in the order of float32 sums
 * ({@code BlockProductsTest}).
 */
final class BlockProducts implements AutoCloseable {
    /**
     * The most rows a product sends to {@link BlockKernel}: one sequence's decode step. With more rows
     * the kernel's time grows with the rows (it widens every weight code again for each row), while
     * PyTorch's float32 product of a few rows is bound by reading the weights once.
     */
    static final int KERNEL_ROWS = 1;

    private final Map<NDArray, BlockKernel.Weight> kernels = new IdentityHashMap<>();
    private final int threads;
    private final ExecutorService pool;

    /**
     * Products on {@code threads} threads: the calling one and a pool of the others.
     *
     * @param threads intra-op threads, at least 1
     */
    BlockProducts(int threads) {
        this.threads = threads;
        this.pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads - 1, task -> {
            Thread t = new Thread(task, "interp4j-block-products");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Checks that this JVM can run the kernels: the Vector API is an incubating module that a JVM
     * resolves only when asked to (the {@code interp4j} launcher runs the engine as a module that
     * requires it; a class-path launch must add it).
     *
     * @param quantization the fast mode asked for, for the message
     */
    static void requireVectorApi(Quantization quantization) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                && BlockProducts.class.getModule().getLayer() == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "quantization " + quantization.configName()
                    + " on the djl engine multiplies with Java's Vector API, and this JVM was started without module jdk.incubator.vector;"
                    + " start it with --add-modules jdk.incubator.vector (the interp4j launcher does)");
        }
    }

    /** Registers the kernel layout of a weight held (dequantised) as {@code array}. */
    void put(NDArray array, BlockKernel.Weight weight) {
        kernels.put(array, weight);
    }

    /** Whether the array is the dequantised form of a registered weight. */
    boolean holds(NDArray weight) {
        return kernels.containsKey(weight);
    }

    /**
     * {@code quantise(x)·Wᵀ + b}.
     *
     * @param x {@code [..., in]}
     * @param weight a registered weight's dequantised array {@code [out, in]}
     * @param bias {@code [out]} or null
     * @return {@code [..., out]}
     */
    NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        long rows = shape.size() / in;
        // the kernels are outside autograd: a product that gradients flow through stays in PyTorch
        if (rows > KERNEL_ROWS || x.hasGradient() || weight.hasGradient()) {
            return Qwen2Forward.linear(quantise(x), weight, bias);
        }
        BlockKernel.Weight w = kernels.get(weight);
        // the bias, a model weight, is read by DJL's copy: a contiguous copy that values() made of a strided one would
        // belong to the model's manager and stay until the model closes
        float[] out = BlockKernel.multiply(w, values(x), (int) rows, bias == null ? null : bias.toFloatArray(), pool, threads);
        long[] outShape = shape.getShape();
        outShape[outShape.length - 1] = w.rows();
        // the result is PyTorch's memory, written through a view of it: an array made from Java data would be a
        // tensor over a Java buffer (see Qwen2Forward.owned), and a copy of it one more native call and copy
        NDArray result = x.getManager().create(new Shape(outShape), DataType.FLOAT32);
        result.toByteBuffer(true).asFloatBuffer().put(out);
        return result;
    }

    /**
     * A float32 array's values, read through a view of its PyTorch memory ({@code toByteBuffer(true)}; a
     * contiguous copy first where it is a strided view, owned by the array's manager): DJL's {@code
     * toFloatArray()} copies them into a Java buffer and then into the array.
     */
    private static float[] values(NDArray array) {
        FloatBuffer view = array.toByteBuffer(true).asFloatBuffer();
        float[] values = new float[view.remaining()];
        view.get(values);
        return values;
    }

    /**
     * What the int8 codes of {@code x}, quantised per row in blocks of 64 of its last axis, stand for:
     * {@code code × scale} (the last block padded with zeros, which change no absmax). The scale's
     * operands are PyTorch's memory ({@link Qwen2Forward#constant}), since autograd saves them.
     *
     * @param x {@code [..., in]}
     * @return the same shape
     */
    static NDArray quantise(NDArray x) {
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        long blocks = (in + BlockKernel.BLOCK - 1) / BlockKernel.BLOCK;
        long rows = shape.size() / in;
        NDArray flat = x.reshape(rows, in);
        if (blocks * BlockKernel.BLOCK != in) {
            flat = NDArrays.concat(new NDList(flat, flat.getManager().zeros(new Shape(rows, blocks * BlockKernel.BLOCK - in))), 1);
        }
        NDArray grouped = flat.reshape(rows, blocks, BlockKernel.BLOCK);
        NDArray scale = grouped.abs().max(new int[] {2}, true).maximum(Qwen2Forward.constant(x.getManager(), Float.MIN_NORMAL))
                .div(Qwen2Forward.constant(x.getManager(), BlockKernel.INT8_MAX));
        NDArray values = grouped.div(scale).round().clip(-BlockKernel.INT8_MAX, BlockKernel.INT8_MAX).mul(scale).reshape(rows, blocks * BlockKernel.BLOCK);
        if (blocks * BlockKernel.BLOCK != in) {
            values = values.get(":, :" + in);
        }
        return values.reshape(shape);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
