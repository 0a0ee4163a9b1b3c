package io.interp4j.engine.onnx;

import static io.interp4j.engine.onnx.GraphIr.attr;

import io.interp4j.api.quant.QuantizedWeight;
import java.util.List;

/**
 * bitsandbytes' LLM.int8 product ({@code Linear8bitLt} at threshold {@value
 * QuantizedWeight#LLM_INT8_THRESHOLD}) as standard ONNX operators, for the projections of a model
 * loaded with {@code llm-int8}; the djl engine computes the same steps in {@code LlmInt8}. The weight
 * is fed as its int8 codes transposed, {@code [in, out]}, and the absmax of each output row. On an
 * input {@code [M, in]}: the outlier columns (some row reaches the threshold in magnitude: Abs,
 * ReduceMax over rows, GreaterOrEqual) are zeroed (Where); each row's absmax is taken over its values
 * under the threshold (Where, ReduceMax); the row is quantised {@code Round(x · (127 / absmax))} (half
 * to even, a row with absmax 0 gets codes 0) and cast to int8; MatMulInteger multiplies the codes with
 * integer accumulation (int32); the sums are scaled by {@code row absmax × weight-row absmax × 1/127²}
 * and the bias added; the outlier columns (NonZero, Gather) are multiplied in float32 with the
 * dequantised weight rows of those columns and added. Float32 stands in for bitsandbytes' float16.
 */
final class LlmInt8Graph {
    private LlmInt8Graph() {}

    /**
     * {@code x·Wᵀ + b} under LLM.int8.
     *
     * @param x {@code [M, in]}
     * @param weight the checkpoint name of the weight
     * @param bias the bias value, or null
     * @return {@code [M, out]}
     */
    static String linear(GraphIr g, String x, String weight, String bias) {
        return product(g, x, weight, bias, null);
    }

    /**
     * The per-head products of {@code o_proj} ({@code attn.hook_result}): {@code z} is quantised by its
     * own rows, as the plain product quantises it, and each head multiplies its own columns, so the
     * heads' outputs sum to the plain product's (the integer sums exactly).
     *
     * @param z {@code [M, heads·d_head]}
     * @param headBlocks {@code [heads, heads·d_head]}: 1 on a head's own columns, else 0
     * @return {@code [M, heads, out]}
     */
    static String perHead(GraphIr g, String z, String weight, String headBlocks) {
        return product(g, z, weight, null, headBlocks);
    }

    private static String product(GraphIr g, String x, String weight, String bias, String headBlocks) {
        String codes = g.weight(Qwen2Graph.codes(weight), GraphIr.INT8);
        String absmax = g.weight(Qwen2Graph.scales(weight));
        String threshold = g.scalar(QuantizedWeight.LLM_INT8_THRESHOLD);
        String zero = g.scalar(0f);
        String magnitude = g.op("Abs", List.of(x));
        String outlier = g.typed("GreaterOrEqual", GraphIr.BOOL, List.of(magnitude, threshold));
        // the row's absmax over its values under the threshold (a small value in an outlier column counts)
        String rowAbsmax = g.op("ReduceMax", List.of(g.op("Where", List.of(outlier, zero, magnitude)), g.ints(1)), attr("keepdims", 1L));
        String columns = g.typed("GreaterOrEqual", GraphIr.BOOL,
                List.of(g.op("ReduceMax", List.of(magnitude, g.ints(0)), attr("keepdims", 1L)), threshold));
        String kept = g.op("Where", List.of(columns, zero, x));
        String safe = g.op("Where", List.of(g.typed("Equal", GraphIr.BOOL, List.of(rowAbsmax, zero)), g.scalar(1f), rowAbsmax));
        String quantised = g.op("Round", List.of(g.op("Mul", List.of(kept, g.op("Div", List.of(g.scalar(QuantizedWeight.INT8_MAX), safe))))));
        String rowScale = rowAbsmax;
        if (headBlocks != null) {
            // [M, 1, in] · [heads, in] -> [M, heads, in]: each head's own columns of each row
            quantised = g.op("Mul", List.of(g.op("Unsqueeze", List.of(quantised, g.ints(1))), headBlocks));
            rowScale = g.op("Unsqueeze", List.of(rowAbsmax, g.ints(1)));
        }
        String int8 = g.typed("Cast", GraphIr.INT8, List.of(quantised), attr("to", (long) GraphIr.INT8));
        String sums = g.typed("MatMulInteger", GraphIr.INT32, List.of(int8, codes));
        String sumsFloat = g.op("Cast", List.of(sums), attr("to", (long) GraphIr.FLOAT));
        String out = g.op("Mul", List.of(g.op("Mul", List.of(sumsFloat, g.op("Mul", List.of(rowScale, absmax)))),
                g.scalar(1f / (QuantizedWeight.INT8_MAX * QuantizedWeight.INT8_MAX))));
        if (bias != null) {
            out = g.op("Add", List.of(out, bias));
        }
        // the outlier columns in float, with the dequantised weight rows (code × absmax × 1/127) of those columns
        String index = g.typed("Squeeze", GraphIr.INT64, List.of(g.typed("NonZero", GraphIr.INT64,
                List.of(g.typed("Squeeze", GraphIr.BOOL, List.of(columns, g.ints(0))))), g.ints(0)));
        String subInput = g.op("Gather", List.of(x, index), attr("axis", 1L));
        String step = g.op("Mul", List.of(absmax, g.scalar(1f / QuantizedWeight.INT8_MAX)));
        String subWeight = g.op("Mul", List.of(g.op("Cast", List.of(g.typed("Gather", GraphIr.INT8, List.of(codes, index), attr("axis", 0L))),
                attr("to", (long) GraphIr.FLOAT)), step));
        if (headBlocks != null) {
            subInput = g.op("Mul", List.of(g.op("Unsqueeze", List.of(subInput, g.ints(1))), g.op("Gather", List.of(headBlocks, index), attr("axis", 1L))));
        }
        return g.op("Add", List.of(out, g.op("MatMul", List.of(subInput, subWeight))));
    }
}
