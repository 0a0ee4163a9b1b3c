package io.interp4j.engine.onnx;

import static io.interp4j.engine.onnx.GraphIr.attr;

import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.util.List;
import java.util.Set;

/**
 * Emits Hugging Face's {@code Qwen2ForCausalLM} (eager attention) as ONNX nodes, in the same order and
 * with the same arithmetic as the djl engine, marking the value of every hook point. Runtime inputs:
 * {@code ids} {@code [B, S]} int64 (or, for a graph that starts at layer L &gt; 0, {@code residual}
 * {@code [B, S, d_model]}, the value of {@code blocks.L.hook_resid_pre} before any intervention there),
 * {@code cos}/{@code sin} {@code [1 or B, S, 1, d_head]}, {@code mask} {@code [S, T]} or {@code [B, 1,
 * S, T]} (per-row masks of a left-padded batch broadcast over heads), {@code logit_rows} {@code [N]}
 * int64 (the flat indices into {@code B·S} whose logits are computed, row-major, the same count per
 * batch row), under {@code llm-int8} {@code real} {@code [B, S, 1]} bool (true on each row's real
 * positions; {@link LlmInt8Graph} chooses each row's outlier columns over them), and per computed layer {@code past_k.L}/{@code past_v.L} {@code [B, kv, P, d_head]} (P may
 * be 0). Outputs: per computed layer {@code present_k.L}/{@code present_v.L}, then {@code logits}
 * {@code [B, N / B, vocab]}. Nothing before the start layer is in the graph.
 */
final class Qwen2Graph {
    static final String IDS = "ids";
    static final String COS = "cos";
    static final String SIN = "sin";
    static final String MASK = "mask";
    static final String RESIDUAL = "residual";
    static final String LOGIT_ROWS = "logit_rows";
    static final String REAL = "real";

    private Qwen2Graph() {}

    static String pastKey(int layer) {
        return "past_k." + layer;
    }

    static String pastValue(int layer) {
        return "past_v." + layer;
    }

    static GraphIr build(ModelConfig config, Quantization quantization) {
        return build(config, new CompiledInterventions(List.of()), quantization, 0, Set.of());
    }

    /**
     * Builds the graph.
     *
     * @param resultLayers the blocks whose per-head outputs ({@code attn.hook_result}) are computed; in
     *     the others {@code o_proj} is one product and the point does not exist
     */
    static GraphIr build(ModelConfig config, CompiledInterventions interventions, Quantization quantization, int startLayer,
            Set<Integer> resultLayers) {
        GraphIr g = new GraphIr();
        String[] blockInput = new String[1];
        String one = g.scalar(1f);
        g.rewriter((graph, point, value) -> {
            String current = value;
            for (int index : interventions.at(point)) {
                boolean contribution = interventions.site(index) instanceof io.interp4j.api.intervention.Site.Contribution;
                String target = contribution ? graph.op("Sub", List.of(current, blockInput[0])) : current;
                String mask = graph.input(CompiledInterventions.mask(index), GraphIr.FLOAT);
                String kind = interventions.kind(index);
                if (kind.equals("row-scale")) {
                    // x − M·x: rows (and positions) the mask leaves at 0 keep their value bit for bit
                    current = graph.op("Sub", List.of(current, graph.op("Mul", List.of(mask, target))));
                    continue;
                }
                if (kind.equals("row-replace")) {
                    // x + M·(V − x): the same bit-for-bit rule for untouched rows; a contribution's delta is replaced
                    String written = graph.input(CompiledInterventions.value(index), GraphIr.FLOAT);
                    current = graph.op("Add", List.of(current, graph.op("Mul", List.of(mask, graph.op("Sub", List.of(written, target))))));
                    continue;
                }
                if (kind.equals("row-add")) {
                    current = graph.op("Add", List.of(current, graph.op("Mul", List.of(mask,
                            graph.input(CompiledInterventions.value(index), GraphIr.FLOAT)))));
                    continue;
                }
                String scale = graph.input(CompiledInterventions.scale(index), GraphIr.FLOAT);
                String kept = graph.op("Sub", List.of(one, mask));
                String out = switch (kind) {
                    case "scale" -> graph.op("Mul", List.of(target, graph.op("Add", List.of(kept, graph.op("Mul", List.of(mask, scale))))));
                    case "add" -> graph.op("Add", List.of(target, graph.op("Mul", List.of(mask,
                            graph.op("Mul", List.of(scale, graph.input(CompiledInterventions.value(index), GraphIr.FLOAT)))))));
                    default -> graph.op("Add", List.of(graph.op("Mul", List.of(target, kept)),
                            graph.op("Mul", List.of(mask, graph.input(CompiledInterventions.value(index), GraphIr.FLOAT)))));
                };
                current = contribution ? graph.op("Add", List.of(blockInput[0], out)) : out;
            }
            if (point.site() == HookSite.RESID_PRE) {
                blockInput[0] = current;
            }
            return current;
        });
        int d = config.hiddenSize();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int dh = config.headDim();
        int mlp = config.intermediateSize();

        String first = startLayer == 0 ? g.input(IDS, GraphIr.INT64) : g.input(RESIDUAL, GraphIr.FLOAT);
        String cos = g.input(COS, GraphIr.FLOAT);
        String sin = g.input(SIN, GraphIr.FLOAT);
        String mask = g.input(MASK, GraphIr.FLOAT);
        String real = quantization == Quantization.LLM_INT8 ? g.input(REAL, GraphIr.BOOL) : null;
        String bs = g.typed("Shape", GraphIr.INT64, List.of(first), attr("end", 2L));
        String shapeD = g.typed("Concat", GraphIr.INT64, List.of(bs, g.ints(d)), attr("axis", 0L));
        String shapeQ = g.typed("Concat", GraphIr.INT64, List.of(bs, g.ints(heads, dh)), attr("axis", 0L));
        String shapeKv = g.typed("Concat", GraphIr.INT64, List.of(bs, g.ints(kvHeads, dh)), attr("axis", 0L));
        String shapeMlp = g.typed("Concat", GraphIr.INT64, List.of(bs, g.ints(mlp)), attr("axis", 0L));
        String flatD = g.ints(-1, d);
        String flatQ = g.ints(-1, (long) heads * dh);
        String flatMlp = g.ints(-1, mlp);
        // Reshape's 0 keeps the input's dimension: [B, H, S, T] <-> [B, kv, group·S, T], and [B, kv, group·S, d_head] -> [B, H, S, d_head]
        String byKvHead = g.ints(0, kvHeads, -1, 0);
        String byHead = g.ints(0, heads, -1, 0);
        String zByHead = g.ints(0, heads, -1, dh);
        String axis2 = g.ints(2);
        String scale = g.scalar((float) (1.0 / Math.sqrt(dh)));
        String shapeResult = null;
        String headBlocks = null;
        if (!resultLayers.isEmpty()) {
            shapeResult = g.typed("Concat", GraphIr.INT64, List.of(bs, g.ints(heads, d)), attr("axis", 0L));
            headBlocks = g.floats(Decoding.headBlocks(config), heads, (long) heads * dh);
        }

        String x = startLayer == 0
                ? g.mark(HookPoint.global(HookSite.EMBED), g.op("Gather", List.of(g.weight(Qwen2Layout.EMBED), first), attr("axis", 0L)))
                : first;
        for (int layer = startLayer; layer < config.numLayers(); layer++) {
            final int l = layer;
            java.util.function.Function<String, String> w = suffix -> g.weight(Qwen2Layout.layer(l, suffix));
            Linear lin = (input, suffix, bias, rows, columns) -> linear(g, input, Qwen2Layout.layer(l, suffix), bias == null ? null
                    : w.apply(bias), rows, columns, quantization, real);
            String residPre = g.mark(HookPoint.block(layer, HookSite.RESID_PRE), x);
            String normed = rmsNorm(g, residPre, w.apply("input_layernorm.weight"), config, HookPoint.block(layer, HookSite.LN1_SCALE),
                    HookPoint.block(layer, HookSite.LN1_NORMALIZED));
            String normedFlat = g.op("Reshape", List.of(normed, flatD));
            String q = g.mark(HookPoint.block(layer, HookSite.ATTN_Q), g.op("Reshape",
                    List.of(lin.apply(normedFlat, "self_attn.q_proj.weight", "self_attn.q_proj.bias", heads * dh, d), shapeQ)));
            String k = g.mark(HookPoint.block(layer, HookSite.ATTN_K), g.op("Reshape",
                    List.of(lin.apply(normedFlat, "self_attn.k_proj.weight", "self_attn.k_proj.bias", kvHeads * dh, d), shapeKv)));
            String v = g.mark(HookPoint.block(layer, HookSite.ATTN_V), g.op("Reshape",
                    List.of(lin.apply(normedFlat, "self_attn.v_proj.weight", "self_attn.v_proj.bias", kvHeads * dh, d), shapeKv)));
            String rotQ = g.mark(HookPoint.block(layer, HookSite.ATTN_ROT_Q), rope(g, q, cos, sin));
            String rotK = g.mark(HookPoint.block(layer, HookSite.ATTN_ROT_K), rope(g, k, cos, sin));

            String keys = g.op("Concat", List.of(g.input(pastKey(layer), GraphIr.FLOAT), g.op("Transpose", List.of(rotK), attr("perm", 0, 2, 1, 3))),
                    attr("axis", 2L));
            String values = g.op("Concat", List.of(g.input(pastValue(layer), GraphIr.FLOAT), g.op("Transpose", List.of(v), attr("perm", 0, 2, 1, 3))),
                    attr("axis", 2L));
            g.output(keys);
            g.output(values);
            // query head h reads kv head h / groups (Hugging Face repeat_kv): the queries of a kv head's group are rows
            // of one product with that head's keys, [B, kv, group·S, d_head], so no key or value is copied per group
            String queries = g.op("Reshape", List.of(g.op("Transpose", List.of(rotQ), attr("perm", 0, 2, 1, 3)), byKvHead));
            String raw = g.op("Mul", List.of(g.op("MatMul", List.of(queries, g.op("Transpose", List.of(keys), attr("perm", 0, 1, 3, 2)))), scale));
            String scores = g.mark(HookPoint.block(layer, HookSite.ATTN_SCORES), g.op("Add", List.of(g.op("Reshape", List.of(raw, byHead)), mask)));
            String pattern = g.mark(HookPoint.block(layer, HookSite.ATTN_PATTERN), g.op("Softmax", List.of(scores), attr("axis", -1L)));
            String mixed = g.op("MatMul", List.of(g.op("Reshape", List.of(pattern, byKvHead)), values));
            String z = g.mark(HookPoint.block(layer, HookSite.ATTN_Z),
                    g.op("Transpose", List.of(g.op("Reshape", List.of(mixed, zByHead))), attr("perm", 0, 2, 1, 3)));
            String attnOut;
            if (resultLayers.contains(layer)) {
                // each head through its own columns of o_proj: z spread over a head axis with the other heads'
                // slices zeroed, [N, head, heads·d_head] -> [B, S, head, d_model], summed over heads
                String perHead;
                if (quantization == Quantization.LLM_INT8) {
                    perHead = LlmInt8Graph.perHead(g, g.op("Reshape", List.of(z, flatQ)), real, Qwen2Layout.layer(l, "self_attn.o_proj.weight"), headBlocks);
                } else {
                    String spread = g.op("Mul", List.of(g.op("Unsqueeze", List.of(g.op("Reshape", List.of(z, flatQ)), g.ints(1))), headBlocks));
                    perHead = lin.apply(g.op("Reshape", List.of(spread, flatQ)), "self_attn.o_proj.weight", null, d, heads * dh);
                }
                String result = g.mark(HookPoint.block(layer, HookSite.ATTN_RESULT), g.op("Reshape", List.of(perHead, shapeResult)));
                attnOut = g.op("ReduceSum", List.of(result, axis2), attr("keepdims", 0L));
            } else {
                attnOut = g.op("Reshape", List.of(lin.apply(g.op("Reshape", List.of(z, flatQ)), "self_attn.o_proj.weight", null, d, heads * dh),
                        shapeD));
            }
            attnOut = g.mark(HookPoint.block(layer, HookSite.ATTN_OUT), attnOut);
            String residMid = g.mark(HookPoint.block(layer, HookSite.RESID_MID), g.op("Add", List.of(residPre, attnOut)));
            String normed2 = rmsNorm(g, residMid, w.apply("post_attention_layernorm.weight"), config, HookPoint.block(layer, HookSite.LN2_SCALE),
                    HookPoint.block(layer, HookSite.LN2_NORMALIZED));
            String normed2Flat = g.op("Reshape", List.of(normed2, flatD));
            String gate = g.mark(HookPoint.block(layer, HookSite.MLP_PRE), g.op("Reshape", List.of(
                    lin.apply(normed2Flat, "mlp.gate_proj.weight", null, mlp, d), shapeMlp)));
            String up = g.mark(HookPoint.block(layer, HookSite.MLP_PRE_LINEAR), g.op("Reshape", List.of(
                    lin.apply(normed2Flat, "mlp.up_proj.weight", null, mlp, d), shapeMlp)));
            String post = g.mark(HookPoint.block(layer, HookSite.MLP_POST),
                    g.op("Mul", List.of(g.op("Mul", List.of(gate, g.op("Sigmoid", List.of(gate)))), up)));
            String mlpOut = g.mark(HookPoint.block(layer, HookSite.MLP_OUT), g.op("Reshape", List.of(
                    lin.apply(g.op("Reshape", List.of(post, flatMlp)), "mlp.down_proj.weight", null, d, mlp), shapeD)));
            x = g.mark(HookPoint.block(layer, HookSite.RESID_POST), g.op("Add", List.of(residMid, mlpOut)));
        }
        String normed = rmsNorm(g, x, g.weight(Qwen2Layout.FINAL_NORM), config, HookPoint.global(HookSite.LN_FINAL_SCALE),
                HookPoint.global(HookSite.LN_FINAL_NORMALIZED));
        // only the requested positions are unembedded: at vocab 151,936 the lm_head is the largest matmul
        String selected = g.op("Gather", List.of(g.op("Reshape", List.of(normed, flatD)), g.input(LOGIT_ROWS, GraphIr.INT64)),
                attr("axis", 0L));
        String batchDim = g.typed("Shape", GraphIr.INT64, List.of(first), attr("end", 1L));
        String shapeSelected = g.typed("Concat", GraphIr.INT64, List.of(batchDim, g.ints(-1, d)), attr("axis", 0L));
        // [B, N / B, d_model] · Wᵀ straight into [B, N / B, vocab]: a Gemm's 2-D result would need a Reshape, which
        // ONNX Runtime copies when its result is a graph output (17 ms of 900 for 128 positions at 0.5B)
        // the fast modes' unembedding is MatMulNBits on its own q8 codes, which also writes [B, N / B, vocab] directly
        String rows = g.op("Reshape", List.of(selected, shapeSelected));
        String unembedding = Qwen2Layout.unembedding(config);
        Quantization unembeddingScheme = quantization.unembeddingScheme();
        String logits = g.mark(HookPoint.global(HookSite.LOGITS), unembeddingScheme == Quantization.NONE
                ? g.contrib("FusedMatMul", List.of(rows, g.weight(unembedding)), attr("transB", 1L))
                : blockProduct(g, rows, unembedding, config.vocabSize(), d, unembeddingScheme));
        g.output(logits);
        return g;
    }

    /** A linear layer of a block: input 2-D, weight name, bias weight (or null), N and K. */
    @FunctionalInterface
    private interface Linear {
        String apply(String input, String suffix, String bias, int rows, int columns);
    }

    /** The weight input names of a quantised linear layer. */
    static String codes(String weight) {
        return weight + ".codes";
    }

    static String scales(String weight) {
        return weight + ".scales";
    }

    static String zeroPoints(String weight) {
        return weight + ".zero_points";
    }

    /** MatMulNBits' accuracy level that multiplies the codes with activations quantised to int8 per block. */
    private static final long INT8_COMPUTE = 4;

    /**
     * {@code x·Wᵀ + b}: Gemm on float32 weights; ONNX Runtime's MatMulBnb4 on NF4 codes (bitsandbytes
     * layout), MatMulNBits on int8 codes (8 bits, default zero point 128) and on Q4 codes (4 bits, zero
     * points given), then the bias. INT8 and NF4 run at the default accuracy level, which dequantises
     * the weight (the faithful reference); Q8 and Q4 at level 4, where a prepacked weight is multiplied
     * block by block with the activations quantised to int8 (MLAS' CompInt8 kernels; where they are not
     * available, and for weights fed as inputs, which are not prepacked, ONNX Runtime dequantises).
     * LLM_INT8 is {@link LlmInt8Graph}, each batch row's outlier columns over its real positions ({@code real}).
     */
    private static String linear(GraphIr g, String x, String weight, String bias, int rows, int columns, Quantization quantization,
            String real) {
        if (!quantization.quantizes(weight)) {
            List<String> inputs = bias == null ? List.of(x, g.weight(weight)) : List.of(x, g.weight(weight), bias);
            return g.op("Gemm", inputs, attr("transB", 1L));
        }
        if (quantization == Quantization.LLM_INT8) {
            return LlmInt8Graph.linear(g, x, real, weight, bias);
        }
        String product = blockProduct(g, x, weight, rows, columns, quantization);
        return bias == null ? product : g.op("Add", List.of(product, bias));
    }

    /** {@code x·Wᵀ} on a weight's codes and scales (and Q4's zero points): MatMulBnb4 or MatMulNBits, as {@link #linear} says. */
    private static String blockProduct(GraphIr g, String x, String weight, int rows, int columns, Quantization quantization) {
        String codes = g.weight(codes(weight), GraphIr.UINT8);
        String scales = g.weight(scales(weight));
        return switch (quantization) {
            case NF4 -> g.contrib("MatMulBnb4", List.of(x, codes, scales), attr("K", (long) columns), attr("N", (long) rows),
                    attr("block_size", (long) QuantizedWeight.NF4_BLOCK), attr("quant_type", 1L));
            case INT8, Q8 -> g.contrib("MatMulNBits", List.of(x, codes, scales), attr("K", (long) columns), attr("N", (long) rows),
                    attr("bits", 8L), attr("block_size", (long) QuantizedWeight.INT8_BLOCK),
                    attr("accuracy_level", quantization.quantizesActivations() ? INT8_COMPUTE : 0L));
            case Q4 -> g.contrib("MatMulNBits", List.of(x, codes, scales, g.weight(zeroPoints(weight), GraphIr.UINT8)),
                    attr("K", (long) columns), attr("N", (long) rows), attr("bits", 4L),
                    attr("block_size", (long) QuantizedWeight.Q4_BLOCK), attr("accuracy_level", INT8_COMPUTE));
            case NONE, LLM_INT8 -> throw new IllegalStateException("unreachable: " + weight + " is not quantised blockwise");
        };
    }

    /**
     * RMSNorm as Hugging Face computes it, {@code x · rsqrt(mean(x²) + eps) · weight}, with its hook
     * points: the scale {@code sqrt(mean(x²) + eps)}, then the output.
     */
    private static String rmsNorm(GraphIr g, String x, String weight, ModelConfig config, HookPoint scalePoint, HookPoint normalizedPoint) {
        String meanSquare = g.op("ReduceMean", List.of(g.op("Mul", List.of(x, x)), g.ints(-1)), attr("keepdims", 1L));
        String scale = g.mark(scalePoint, g.op("Sqrt", List.of(g.op("Add", List.of(meanSquare, g.scalar((float) config.rmsNormEps()))))));
        String inverse = g.op("Reciprocal", List.of(scale));
        return g.mark(normalizedPoint, g.op("Mul", List.of(g.op("Mul", List.of(x, inverse)), weight)));
    }

    /** Rotate-half RoPE: {@code x·cos + [-x2, x1]·sin}. */
    private static String rope(GraphIr g, String x, String cos, String sin) {
        List<String> halves = g.multi("Split", List.of(x), 2, attr("axis", -1L), attr("num_outputs", 2L));
        String rotated = g.op("Concat", List.of(g.op("Neg", List.of(halves.get(1))), halves.get(0)), attr("axis", -1L));
        return g.op("Add", List.of(g.op("Mul", List.of(x, cos)), g.op("Mul", List.of(rotated, sin))));
    }
}
