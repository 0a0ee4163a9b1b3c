package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.quant.QuantizedWeight;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * bitsandbytes' LLM.int8 product ({@code Linear8bitLt} at threshold {@value
 * QuantizedWeight#LLM_INT8_THRESHOLD}, {@code int8_vectorwise_quant} then {@code int8_mixed_scaled_mm})
 * on PyTorch tensors, for the projections of a model loaded with {@code llm-int8}. Each weight is
 * held as its int8 codes {@code [out, in]}, stored as float32 values (so that no product converts a
 * whole weight: converting the codes at every product made a 1.5B decode step 8 times slower than
 * float32's), with the absmax of each row. Each batch row is a sequence of its own: its outlier
 * columns are the input columns in which one of its real positions reaches the threshold in magnitude,
 * which is what bitsandbytes chooses over the rows {@code [pos, in]} of that sequence run alone (batch
 * 1, no padding). Pad positions count for no sequence (with left padding they may reach the threshold),
 * and a value of theirs that reaches it outside their row's columns is left out of the product (a pad
 * position's output is never read by a real one). So a padded batch row computes what its own forward
 * computes, the integer sums exactly, and a decode step (one position per row) takes each row's
 * columns from its one position. The other columns are quantised per position, {@code
 * round(x × (127 / absmax))} half to even, the absmax taken over the row's values under the threshold
 * (so a small value in an outlier column counts, as in bitsandbytes), and multiplied with the weight
 * codes; the sum of integer products is a float32 sum of exact products, exact while its partial sums
 * stay below 2²⁴ (always when {@code in × 127² ≤ 2²⁴}, i.e. up to 1,040 inputs) and otherwise rounded
 * as any float32 sum is (relative error of the order of 1e-7, far below the float16 rounding of
 * bitsandbytes' own output, which int32 sums feed), then scaled by {@code row absmax × weight-row absmax / 127²}. The
 * outlier columns of the input are multiplied in float32 with the dequantised weight columns ({@code
 * code × absmax × (1/127)}) and added after the bias. Float32 stands in for bitsandbytes' float16.
 */
final class LlmInt8 {
    private static final float INT8_MAX = QuantizedWeight.INT8_MAX;
    private static final float STEP = 1f / INT8_MAX;
    /** {@code 1/127²} in float32 (bitsandbytes' CUDA kernel multiplies by the constant 6.200012e-5). */
    private static final float STEP_SQUARED = 1f / (INT8_MAX * INT8_MAX);

    /** The absmax of each row, by weight (codes) array; fused weights are registered as one. */
    private final Map<NDArray, NDArray> rowAbsmax = new IdentityHashMap<>();

    /** Registers a weight's codes {@code [out, in]} (float32 values −127..127) and the absmax of each of its rows {@code [out]}. */
    void put(NDArray codes, NDArray absmax) {
        rowAbsmax.put(codes, absmax);
    }

    /** Whether the array is the codes of an LLM.int8 weight. */
    boolean holds(NDArray weight) {
        return rowAbsmax.containsKey(weight);
    }

    /**
     * {@code x·Wᵀ + b} under LLM.int8, each batch row a sequence of its own.
     *
     * @param x {@code [batch, pos, in]} float32
     * @param real {@code [batch, pos, 1]} boolean, true on each row's real positions; null when every
     *     position is real
     * @param codes registered codes {@code [out, in]}
     * @param bias {@code [out]} or null
     * @return {@code [batch, pos, out]} float32
     */
    NDArray linear(NDArray x, NDArray real, NDArray codes, NDArray bias) {
        Shape shape = x.getShape();
        NDArray out = product(quantise(x, real), codes, bias, null);
        return out.reshape(shape.get(0), shape.get(1), codes.getShape().get(0));
    }

    /**
     * The per-head products of {@code o_proj} ({@code attn.hook_result}) under LLM.int8: {@code z} is
     * quantised by its own rows with its own sequences' outlier columns, as the plain product quantises
     * it, and each head then multiplies its own columns, so the heads' outputs sum to the plain
     * product's (the integer sums exactly).
     *
     * @param z {@code [batch, pos, heads·d_head]}
     * @param real as for {@link #linear}
     * @param codes o_proj's registered codes {@code [d_model, heads·d_head]}
     * @param blocks {@code [heads, heads·d_head]}: 1 on a head's own columns, else 0
     * @return {@code [batch, pos, heads, d_model]}
     */
    NDArray perHead(NDArray z, NDArray real, NDArray codes, NDArray blocks) {
        Shape shape = z.getShape();
        NDArray out = product(quantise(z, real), codes, null, blocks);
        return out.reshape(shape.get(0), shape.get(1), blocks.getShape().get(0), codes.getShape().get(0));
    }

    /**
     * An input quantised per row, flattened to {@code [M, in]}: codes (float, outlier columns 0), row
     * absmax {@code [M, 1]}, the outlier columns of any sequence (or null when none) and the input's
     * values in them {@code [M, outliers]}, zero where a column is not an outlier column of the row's
     * own sequence.
     */
    private record Quantised(NDArray codes, NDArray absmax, long[] outliers, NDArray outlierInput) {}

    private static Quantised quantise(NDArray x, NDArray real) {
        long in = x.getShape().get(2);
        NDArray magnitude = x.abs();
        float threshold = QuantizedWeight.LLM_INT8_THRESHOLD;
        NDArray large = magnitude.gte(threshold);
        // absmax over the row's values under the threshold; a row without any (all outliers, or zeros) gets codes 0
        NDArray absmax = NDArrays.where(large, magnitude.zerosLike(), magnitude).max(new int[] {2}, true);
        // a sequence's outlier columns: where one of its real positions reaches the threshold ([batch, 1, in])
        NDArray counted = real == null ? magnitude : NDArrays.where(real.broadcast(magnitude.getShape()), magnitude, magnitude.zerosLike());
        NDArray columnMax = counted.max(new int[] {1}, true);
        NDArray columns = columnMax.gte(threshold);
        NDArray any = columns.any().getBoolean() ? columnMax.max(new int[] {0}).reshape(-1).gte(threshold) : null;
        long[] outliers = any == null ? null : any.nonzero().toLongArray();
        // a large value outside its sequence's columns is at a pad position (never read by a real one): left out
        NDArray dropped = real == null ? columns : columns.logicalOr(large);
        NDArray kept = outliers == null && real == null ? x : x.mul(dropped.logicalNot().toType(DataType.FLOAT32, false));
        NDArray safe = NDArrays.where(absmax.eq(0f), absmax.onesLike(), absmax);
        // bitsandbytes: x · (127 / absmax), rounded half to even
        NDArray codes = kept.mul(Qwen2Forward.constant(x.getManager(), INT8_MAX).div(safe)).round().reshape(-1, in);
        NDArray outlierInput = null;
        if (outliers != null) {
            NDArray index = x.getManager().create(outliers);
            NDArray own = columns.get(new NDIndex(":, :, {}", index)).toType(DataType.FLOAT32, false);
            outlierInput = x.get(new NDIndex(":, :, {}", index)).mul(own).reshape(-1, outliers.length);
        }
        return new Quantised(codes, absmax.reshape(-1, 1), outliers, outlierInput);
    }

    /** A result computed from a model-owned array, moved to the product's scope so that it is freed with it. */
    private static NDArray scoped(NDArray fromWeights, NDArray inScope) {
        fromWeights.attach(inScope.getManager());
        return fromWeights;
    }

    /**
     * The integer product with the weight codes, rescaled, plus the bias, plus the outlier columns in
     * float; with head blocks, one product per head over its own columns ({@code [M, heads, out]}).
     */
    private NDArray product(Quantised q, NDArray codes, NDArray bias, NDArray blocks) {
        NDArray weightAbsmax = rowAbsmax.get(codes);
        NDArray activations = q.codes();
        if (blocks != null) {
            activations = activations.expandDims(1).mul(blocks);
        }
        // the transposed view is made in the model's manager: hand it to the product's, freed with it
        NDArray sums = activations.matMul(scoped(codes.transpose(), activations));
        NDArray rowScale = blocks == null ? q.absmax() : q.absmax().expandDims(1);
        // the scalar operands are PyTorch-owned (Qwen2Forward.constant): autograd saves them
        NDArray out = sums.mul(rowScale.mul(weightAbsmax)).mul(Qwen2Forward.constant(sums.getManager(), STEP_SQUARED));
        if (bias != null) {
            out = out.add(bias);
        }
        if (q.outliers() == null) {
            return out;
        }
        NDArray index = q.outlierInput().getManager().create(q.outliers());
        NDArray subInput = q.outlierInput();
        NDArray step = scoped(weightAbsmax.mul(Qwen2Forward.constant(index.getManager(), STEP)), index).expandDims(1);
        NDArray subWeight = scoped(codes.get(new NDIndex(":, {}", index)), index).mul(step);
        if (blocks != null) {
            subInput = subInput.expandDims(1).mul(blocks.get(new NDIndex(":, {}", index)));
        }
        return out.add(subInput.matMul(subWeight.transpose()));
    }

    /** The absmax arrays of several weights stacked as their codes are (q|k|v, gate|up). */
    static NDArray stacked(NDArray... absmax) {
        return NDArrays.concat(new NDList(absmax), 0);
    }
}
