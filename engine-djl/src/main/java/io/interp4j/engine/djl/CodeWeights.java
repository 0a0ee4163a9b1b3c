package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The faithful block-quantised weights ({@code int8}, {@code nf4}) held as their codes, one byte a weight
 * or half of one, and dequantised for each product, as ONNX Runtime's {@code MatMulNBits} and {@code
 * MatMulBnb4} dequantise on every call: these modes are for memory, and a model that also held the
 * float32 values would need more memory quantised than in float32. (The fast modes keep their
 * dequantised values for products of many rows, where speed is their point: {@link BlockProducts}.)
 *
 * <p>A weight is known by its codes array, which stands in the model's weights where the float32
 * array would: int8's codes less their zero point 128, as int8 {@code [rows, blocks·64]}; NF4's bytes in
 * bitsandbytes' layout, uint8 {@code [⌈rows·columns/2⌉]}. Dequantising gives exactly {@link
 * QuantizedWeight#dequantize()}'s values, each one float32 product of a code (exact in float32) or an
 * NF4 level with its block's scale, as there ({@code CodeWeightsTest} holds them equal bit for bit).
 */
final class CodeWeights implements AutoCloseable {
    private final NDManager manager;
    private final Map<NDArray, Entry> entries = new IdentityHashMap<>();
    /** {@code [256, 2]}: the NF4 levels of a byte's two codes, the high nibble's first. */
    private final NDArray nf4Pairs;

    /**
     * @param scales int8's {@code [rows, blocks, 1]}, NF4's {@code [blocks, 1]}
     */
    private record Entry(Quantization scheme, int rows, int columns, NDArray scales) {}

    /** @param manager where the codes and scales live: the model's */
    CodeWeights(NDManager manager) {
        this.manager = manager;
        float[] pairs = new float[256 * 2];
        for (int b = 0; b < 256; b++) {
            pairs[2 * b] = QuantizedWeight.nf4Level(b >> 4);
            pairs[2 * b + 1] = QuantizedWeight.nf4Level(b & 0xF);
        }
        this.nf4Pairs = Qwen2Forward.owned(manager.create(pairs, new Shape(256, 2)));
    }

    /** Whether each weight of the scheme is held as codes. */
    static boolean holdsCodes(Quantization scheme) {
        return scheme == Quantization.INT8 || scheme == Quantization.NF4;
    }

    /**
     * Holds a quantised weight as its codes.
     *
     * @return the codes array that stands for the weight
     */
    NDArray put(QuantizedWeight weight) {
        NDArray codes;
        NDArray scales;
        switch (weight.scheme()) {
            case INT8 -> {
                int blocks = weight.blocksPerRow();
                codes = codes(weight.signedCodes(), new Shape(weight.rows(), (long) blocks * QuantizedWeight.INT8_BLOCK), DataType.INT8);
                scales = Qwen2Forward.owned(manager.create(weight.scales(), new Shape(weight.rows(), blocks, 1)));
            }
            case NF4 -> {
                codes = codes(weight.codes(), new Shape(weight.codes().length), DataType.UINT8);
                scales = Qwen2Forward.owned(manager.create(weight.scales(), new Shape(weight.scales().length, 1)));
            }
            default -> throw new IllegalArgumentException("weights held as codes are int8 or nf4, not " + weight.scheme().configName());
        }
        entries.put(codes, new Entry(weight.scheme(), weight.rows(), weight.columns(), scales));
        return codes;
    }

    /** Whether the array is the codes of a weight held here. */
    boolean holds(NDArray codes) {
        return entries.containsKey(codes);
    }

    /**
     * Whether {@link LayerWeights#fused} may stack these weights' codes into one weight: always for
     * int8, whose blocks run along each row; for NF4, whose blocks run along the flat weight, when every part ends on a
     * block boundary (else the stacked weight's blocks would not be the parts').
     */
    boolean stackable(List<NDArray> parts) {
        for (NDArray part : parts) {
            Entry e = entries.get(part);
            if (e == null || e.scheme == Quantization.NF4 && (long) e.rows * e.columns % QuantizedWeight.NF4_BLOCK != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Registers the codes that {@link LayerWeights#fused} stacked from {@code parts} (now closed): their
     * scales stacked alike.
     */
    void stacked(NDArray codes, List<NDArray> parts) {
        List<Entry> old = new ArrayList<>();
        for (NDArray part : parts) {
            old.add(entries.remove(part));
        }
        Entry first = old.get(0);
        int rows = 0;
        for (Entry e : old) {
            if (e.scheme != first.scheme || e.columns != first.columns) {
                throw new IllegalArgumentException("stacked weights differ in scheme or inputs");
            }
            rows += e.rows;
        }
        entries.put(codes, new Entry(first.scheme, rows, first.columns, LayerWeights.stack(old.stream().map(Entry::scales).toArray(NDArray[]::new))));
    }

    /**
     * The float32 values of a weight held here, {@code [rows, columns]}, in {@code scope}.
     *
     * @param codes a weight's codes array
     * @param scope where the values go; the intermediate arrays are closed
     */
    NDArray dequantise(NDArray codes, NDManager scope) {
        Entry e = entries.get(codes);
        try (NDManager work = scope.newSubManager()) {
            NDArray values;
            if (e.scheme == Quantization.INT8) {
                // one pass: PyTorch multiplies an int8 code by a float32 scale in float32
                NDArray blocked = codes.reshape(e.rows, blocks(e), QuantizedWeight.INT8_BLOCK);
                blocked.attach(work);
                values = blocked.mul(e.scales);
            } else {
                // NF4: each byte's two levels from a table of 256 pairs, then one product with the block's absmax
                NDArray index = codes.toType(DataType.INT32, false);
                index.attach(work);
                long n = (long) e.rows * e.columns;
                long blocks = e.scales.getShape().get(0);
                NDArray level = index.getNDArrayInternal().embedding(index, nf4Pairs, SparseFormat.DENSE).singletonOrThrow().reshape(-1);
                NDArray padded = level.size() == blocks * QuantizedWeight.NF4_BLOCK ? level
                        : NDArrays.concat(new NDList(level, work.zeros(new Shape(blocks * QuantizedWeight.NF4_BLOCK - level.size()))));
                values = padded.reshape(blocks, QuantizedWeight.NF4_BLOCK).muli(e.scales).reshape(-1);
                if (values.size() != n) {
                    values = values.get(new NDIndex(":{}", n));
                }
            }
            values = values.reshape(e.rows, -1);
            if (values.getShape().get(1) != e.columns) {
                values = values.get(new NDIndex(":, :{}", e.columns));
            }
            // a view of an intermediate keeps that storage alive when the work scope closes
            values.attach(scope);
            return values;
        }
    }

    /**
     * {@code x·Wᵀ + b} with a weight held here, dequantised for this product alone.
     *
     * @param x {@code [..., columns]}
     * @param codes a weight's codes array
     * @param bias {@code [rows]} or null
     */
    NDArray linear(NDArray x, NDArray codes, NDArray bias) {
        try (NDManager work = x.getManager().newSubManager()) {
            // the product's result lives with x; autograd keeps its own reference to the values if it saves them
            return Qwen2Forward.linear(x, dequantise(codes, work), bias);
        }
    }

    private static int blocks(Entry e) {
        return (e.columns + QuantizedWeight.INT8_BLOCK - 1) / QuantizedWeight.INT8_BLOCK;
    }

    /**
     * Bytes as an int8 or uint8 array over one direct buffer, which the array keeps alive for the model's
     * lifetime: no autograd graph ever saves codes (only the values dequantised from them), so they need
     * no PyTorch-owned copy ({@link Qwen2Forward#owned}), and a heap buffer would be copied into a
     * second direct one that lingers until a garbage collection.
     */
    private NDArray codes(byte[] bytes, Shape shape, DataType type) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        direct.put(bytes).rewind();
        return manager.create(direct, shape, type);
    }

    @Override
    public void close() {
        entries.clear();
    }
}
