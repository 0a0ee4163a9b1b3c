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
 * float32's), with the absmax of each row. A product flattens the input to
 * rows {@code [M, in]}, as bitsandbytes does for a 3-D input; the columns in which some row reaches the
 * threshold in magnitude are the outlier columns. The others are quantised per row, {@code
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
     * {@code x·Wᵀ + b} under LLM.int8.
     *
     * @param x {@code [..., in]} float32
     * @param codes registered codes {@code [out, in]}
     * @param bias {@code [out]} or null
     * @return {@code [..., out]} float32
     */
    NDArray linear(NDArray x, NDArray codes, NDArray bias) {
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        Quantised q = quantise(x.reshape(-1, in));
        NDArray out = product(q, codes, bias, null);
        return out.reshape(shape.slice(0, shape.dimension() - 1).add(codes.getShape().get(0)));
    }

    /**
     * The per-head products of {@code o_proj} ({@code attn.hook_result}) under LLM.int8: {@code z} is
     * quantised by its own rows, as the plain product quantises it, and each head then multiplies its
     * own columns, so the heads' outputs sum to the plain product's (the integer sums exactly).
     *
     * @param z {@code [batch, pos, heads·d_head]}
     * @param codes o_proj's registered codes {@code [d_model, heads·d_head]}
     * @param blocks {@code [heads, heads·d_head]}: 1 on a head's own columns, else 0
     * @return {@code [batch, pos, heads, d_model]}
     */
    NDArray perHead(NDArray z, NDArray codes, NDArray blocks) {
        Shape shape = z.getShape();
        Quantised q = quantise(z.reshape(-1, shape.get(2)));
        NDArray out = product(q, codes, null, blocks);
        return out.reshape(shape.get(0), shape.get(1), blocks.getShape().get(0), codes.getShape().get(0));
    }

    /** An input quantised per row: codes (float, outlier columns 0), row absmax {@code [M, 1]}, outlier columns or null. */
    private record Quantised(NDArray codes, NDArray absmax, NDArray input, long[] outliers) {}

    private static Quantised quantise(NDArray x) {
        NDArray magnitude = x.abs();
        float threshold = QuantizedWeight.LLM_INT8_THRESHOLD;
        // absmax over the row's values under the threshold; a row without any (all outliers, or zeros) gets codes 0
        NDArray absmax = NDArrays.where(magnitude.gte(threshold), magnitude.zerosLike(), magnitude).max(new int[] {1}, true);
        NDArray columns = magnitude.max(new int[] {0}).gte(threshold);
        long[] outliers = columns.any().getBoolean() ? columns.nonzero().toLongArray() : null;
        NDArray kept = outliers == null ? x : x.mul(columns.logicalNot().toType(DataType.FLOAT32, false));
        NDArray safe = NDArrays.where(absmax.eq(0f), absmax.onesLike(), absmax);
        // bitsandbytes: x · (127 / absmax), rounded half to even
        NDArray codes = kept.mul(safe.onesLike().mul(INT8_MAX).div(safe)).round();
        return new Quantised(codes, absmax, x, outliers);
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
        NDArray out = sums.mul(rowScale.mul(weightAbsmax)).mul(STEP_SQUARED);
        if (bias != null) {
            out = out.add(bias);
        }
        if (q.outliers() == null) {
            return out;
        }
        NDArray index = q.input().getManager().create(q.outliers());
        NDArray subInput = q.input().get(new NDIndex(":, {}", index));
        NDArray step = scoped(weightAbsmax.mul(STEP), index).expandDims(1);
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
