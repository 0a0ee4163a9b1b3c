package io.interp4j.engine.onnx;

import static io.interp4j.engine.onnx.GraphIr.attr;

import io.interp4j.api.quant.QuantizedWeight;
import java.util.List;

/**
 * bitsandbytes' LLM.int8 product ({@code Linear8bitLt} at threshold {@value
 * QuantizedWeight#LLM_INT8_THRESHOLD}) as standard ONNX operators, for the projections of a model
 * loaded with {@code llm-int8}; the djl engine computes the same steps in {@code LlmInt8}. The weight
 * is fed as its int8 codes transposed, {@code [in, out]}, and the absmax of each output row. Each batch
 * row is a sequence of its own, as if run alone (batch 1, no padding): the runtime input {@code real}
 * {@code [B, S, 1]} (bool, true on each row's real positions) gives the input {@code [B·S, in]} its
 * sequences (Reshape to {@code [B, S, in]}). A sequence's outlier columns are those in which one of its
 * real positions reaches the threshold in magnitude (Abs, Where over {@code real}, ReduceMax over
 * positions, GreaterOrEqual); pad positions count for none, and a pad value that reaches the threshold
 * outside its row's columns is left out (a pad position's output is never read by a real one). Those
 * values are zeroed (Or, Where); each position's absmax is taken over its values under the threshold
 * (Where, ReduceMax); the position is quantised {@code Round(x · (127 / absmax))} (half to even, a
 * position with absmax 0 gets codes 0) and cast to int8; MatMulInteger multiplies the codes with
 * integer accumulation (int32); the sums are scaled by {@code absmax × weight-row absmax × 1/127²} and
 * the bias added; the columns that are outlier columns of some sequence (ReduceMax over the batch,
 * NonZero, Gather), zeroed where they are not the position's own sequence's, are multiplied in float32
 * with the dequantised weight rows of those columns and added. So a padded batch row computes what its
 * own forward computes, the integer sums exactly. Float32 stands in for bitsandbytes' float16.
 */
final class LlmInt8Graph {
    private LlmInt8Graph() {}

    /**
     * {@code x·Wᵀ + b} under LLM.int8.
     *
     * @param x {@code [B·S, in]}
     * @param real the runtime input {@code [B, S, 1]}: true on each row's real positions
     * @param weight the checkpoint name of the weight
     * @param bias the bias value, or null
     * @return {@code [B·S, out]}
     */
    static String linear(GraphIr g, String x, String real, String weight, String bias) {
        return product(g, x, real, weight, bias, null);
    }

    /**
     * The per-head products of {@code o_proj} ({@code attn.hook_result}): {@code z} is quantised by its
     * own positions with its own sequences' outlier columns, as the plain product quantises it, and each
     * head multiplies its own columns, so the heads' outputs sum to the plain product's (the integer sums
     * exactly).
     *
     * @param z {@code [B·S, heads·d_head]}
     * @param real as for {@link #linear}
     * @param headBlocks {@code [heads, heads·d_head]}: 1 on a head's own columns, else 0
     * @return {@code [B·S, heads, out]}
     */
    static String perHead(GraphIr g, String z, String real, String weight, String headBlocks) {
        return product(g, z, real, weight, null, headBlocks);
    }

    private static String product(GraphIr g, String flat, String real, String weight, String bias, String headBlocks) {
        String codes = g.weight(Qwen2Graph.codes(weight), GraphIr.INT8);
        String absmax = g.weight(Qwen2Graph.scales(weight));
        String threshold = g.scalar(QuantizedWeight.LLM_INT8_THRESHOLD);
        String zero = g.scalar(0f);
        // [B·S, in] -> [B, S, in]: one sequence per batch row
        String sequences = g.typed("Concat", GraphIr.INT64, List.of(g.typed("Shape", GraphIr.INT64, List.of(real), attr("end", 2L)), g.ints(-1)),
                attr("axis", 0L));
        String x = g.op("Reshape", List.of(flat, sequences));
        String magnitude = g.op("Abs", List.of(x));
        String large = g.typed("GreaterOrEqual", GraphIr.BOOL, List.of(magnitude, threshold));
        // the position's absmax over its values under the threshold (a small value in an outlier column counts)
        String rowAbsmax = g.op("ReduceMax", List.of(g.op("Where", List.of(large, zero, magnitude)), g.ints(2)), attr("keepdims", 1L));
        // a sequence's outlier columns [B, 1, in]: where one of its real positions reaches the threshold
        String columnMax = g.op("ReduceMax", List.of(g.op("Where", List.of(real, magnitude, zero)), g.ints(1)), attr("keepdims", 1L));
        String columns = g.typed("GreaterOrEqual", GraphIr.BOOL, List.of(columnMax, threshold));
        String kept = g.op("Where", List.of(g.typed("Or", GraphIr.BOOL, List.of(columns, large)), zero, x));
        String safe = g.op("Where", List.of(g.typed("Equal", GraphIr.BOOL, List.of(rowAbsmax, zero)), g.scalar(1f), rowAbsmax));
        String quantised = g.op("Flatten", List.of(g.op("Round", List.of(g.op("Mul", List.of(kept,
                g.op("Div", List.of(g.scalar(QuantizedWeight.INT8_MAX), safe))))))), attr("axis", 2L));
        String rowScale = g.op("Flatten", List.of(rowAbsmax), attr("axis", 2L));
        if (headBlocks != null) {
            // [M, 1, in] · [heads, in] -> [M, heads, in]: each head's own columns of each row
            quantised = g.op("Mul", List.of(g.op("Unsqueeze", List.of(quantised, g.ints(1))), headBlocks));
            rowScale = g.op("Unsqueeze", List.of(rowScale, g.ints(1)));
        }
        String int8 = g.typed("Cast", GraphIr.INT8, List.of(quantised), attr("to", (long) GraphIr.INT8));
        String sums = g.typed("MatMulInteger", GraphIr.INT32, List.of(int8, codes));
        String sumsFloat = g.op("Cast", List.of(sums), attr("to", (long) GraphIr.FLOAT));
        String out = g.op("Mul", List.of(g.op("Mul", List.of(sumsFloat, g.op("Mul", List.of(rowScale, absmax)))),
                g.scalar(1f / (QuantizedWeight.INT8_MAX * QuantizedWeight.INT8_MAX))));
        if (bias != null) {
            out = g.op("Add", List.of(out, bias));
        }
        // the outlier columns of any sequence, in float with the dequantised weight rows (code × absmax × 1/127) of those columns
        String any = g.typed("GreaterOrEqual", GraphIr.BOOL, List.of(g.op("ReduceMax", List.of(columnMax, g.ints(0, 1)), attr("keepdims", 0L)),
                threshold));
        String index = g.typed("Squeeze", GraphIr.INT64, List.of(g.typed("NonZero", GraphIr.INT64, List.of(any)), g.ints(0)));
        // zero where the column is not an outlier column of the position's own sequence
        String own = g.op("Gather", List.of(g.op("Cast", List.of(columns), attr("to", (long) GraphIr.FLOAT)), index), attr("axis", 2L));
        String subInput = g.op("Flatten", List.of(g.op("Mul", List.of(g.op("Gather", List.of(x, index), attr("axis", 2L)), own))),
                attr("axis", 2L));
        String step = g.op("Mul", List.of(absmax, g.scalar(1f / QuantizedWeight.INT8_MAX)));
        String subWeight = g.op("Mul", List.of(g.op("Cast", List.of(g.typed("Gather", GraphIr.INT8, List.of(codes, index), attr("axis", 0L))),
                attr("to", (long) GraphIr.FLOAT)), step));
        if (headBlocks != null) {
            subInput = g.op("Mul", List.of(g.op("Unsqueeze", List.of(subInput, g.ints(1))), g.op("Gather", List.of(headBlocks, index), attr("axis", 1L))));
        }
        return g.op("Add", List.of(out, g.op("MatMul", List.of(subInput, subWeight))));
    }
}
