package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.List;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.RowInterventions;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ModelConfig;

/**
 * The Qwen2 forward pass (Hugging Face {@code Qwen2ForCausalLM}, eager attention) with every hook
 * point inline. Each block's temporaries live in a scope closed when the block ends, so a long sweep
 * does not grow native memory.
 */
final class Qwen2Forward {
    private final ModelConfig config;
    private final DjlModel.Weights weights;

    Qwen2Forward(ModelConfig config, DjlModel.Weights weights) {
        this.config = config;
        this.weights = weights;
    }

    /** What one call computes: new tokens, their first position, and where results go. */
    record Pass(int[][] tokens, KvCache cache, HookDispatcher hooks, NDManager output, NDManager cacheManager, int step, LoraLayers lora,
            Batch batch) {
        Pass(int[][] tokens, KvCache cache, HookDispatcher hooks, NDManager output, NDManager cacheManager, int step, LoraLayers lora) {
            this(tokens, cache, hooks, output, cacheManager, step, lora, Batch.plain(tokens));
        }

        Pass(int[][] tokens, KvCache cache, HookDispatcher hooks, NDManager output, NDManager cacheManager, int step) {
            this(tokens, cache, hooks, output, cacheManager, step, null);
        }
    }

    /**
     * How a batched forward differs from a plain one: the padding layout, the layer it starts at with
     * its residual stream, the positions whose logits are computed, and the interventions per row.
     */
    record Batch(BatchLayout layout, int startLayer, NDArray residual, Positions logits, RowInterventions rows) {
        static Batch plain(int[][] tokens) {
            return new Batch(BatchLayout.uniform(tokens.length, tokens[0].length), 0, null, Positions.ALL, RowInterventions.of(List.of()));
        }
    }

    /**
     * Runs the new tokens through the model, appending to the KV cache when one is given.
     *
     * @return logits {@code [batch, new_pos, vocab]} (or {@code [batch, selected, vocab]}) owned by
     *     {@code pass.output()}
     */
    NDArray run(Pass pass) {
        Batch batchInput = pass.batch();
        BatchLayout layout = batchInput.layout();
        int batch = pass.tokens().length;
        int queries = pass.tokens()[0].length;
        int start = pass.cache() == null ? 0 : pass.cache().length();
        int keys = start + queries;
        try (NDManager scope = pass.output().newSubManager()) {
            // LLM.int8 takes each row's outlier columns over its real positions only
            NDArray real = layout.uniform() || weights.llmInt8() == null ? null
                    : owned(scope.create(layout.real(), new Shape(batch, queries, 1)));
            Step s = new Step(pass, scope, start, keys, real);
            NDArray x;
            if (batchInput.residual() == null) {
                long[] flat = new long[batch * queries];
                for (int b = 0; b < batch; b++) {
                    for (int p = 0; p < queries; p++) {
                        flat[b * queries + p] = pass.tokens()[b][p];
                    }
                }
                NDArray ids = owned(scope.create(flat, new Shape(batch, queries)));
                x = ids.getNDArrayInternal().embedding(ids, weights.embed(), SparseFormat.DENSE).singletonOrThrow();
                x = s.hook(HookPoint.global(HookSite.EMBED), x);
            } else {
                x = s.local(batchInput.residual());
            }
            // padded rows (in this chunk or in the cached past) number their positions from their own first real token
            Decoding.Geometry geometry = Decoding.geometry(config, layout, start, pass.cache() == null ? new int[0] : pass.cache().pads());
            NDArray cos = owned(scope.create(geometry.cos(), new Shape(geometry.ropeShape())));
            NDArray sin = owned(scope.create(geometry.sin(), new Shape(geometry.ropeShape())));
            NDArray mask = owned(scope.create(geometry.mask(), new Shape(geometry.maskShape())));
            Scalars scalars = new Scalars(constant(scope, config.rmsNormEps()), constant(scope, -1),
                    constant(scope, 1.0 / Math.sqrt(config.headDim())));
            for (int layer = batchInput.startLayer(); layer < config.numLayers(); layer++) {
                try (NDManager layerScope = scope.newSubManager()) {
                    x = block(s.in(layerScope), layer, x, cos, sin, mask, scalars);
                    x.attach(scope);
                }
            }
            NDArray normalized = rmsNorm(s, x, weights.finalNorm(), scalars, HookPoint.global(HookSite.LN_FINAL_SCALE),
                    HookPoint.global(HookSite.LN_FINAL_NORMALIZED));
            if (!batchInput.logits().all()) {
                normalized = select(normalized, layout, batchInput.logits(), start);
            }
            NDArray logits = product(s, normalized, weights.unembed(), null);
            logits = s.hook(HookPoint.global(HookSite.LOGITS), logits);
            if (pass.cache() != null) {
                pass.cache().advance(queries);
            }
            logits.attach(pass.output());
            return logits;
        }
    }

    /** The rows of {@code [batch, pos, d]} that some positions select in every batch row: {@code [batch, selected, d]}. */
    private static NDArray select(NDArray normalized, BatchLayout layout, Positions positions, int start) {
        int[][] selected = layout.selectEveryRow(positions, start);
        NDList rows = new NDList();
        for (int b = 0; b < layout.batch(); b++) {
            for (int index : selected[b]) {
                rows.add(normalized.get(new NDIndex("{}, {}", b, index)));
            }
        }
        long d = normalized.getShape().get(2);
        return NDArrays.stack(rows).reshape(layout.batch(), selected[0].length, d);
    }

    private NDArray block(Step s, int layer, NDArray x, NDArray cos, NDArray sin, NDArray mask, Scalars scalars) {
        LayerWeights w = weights.layers()[layer];
        int batch = (int) x.getShape().get(0);
        int queries = (int) x.getShape().get(1);
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int groups = config.queriesPerKvHead();
        int dh = config.headDim();

        NDArray residPre = s.hook(HookPoint.block(layer, HookSite.RESID_PRE), s.local(x));
        NDArray normed = rmsNorm(s, residPre, w.inputNorm(), scalars, HookPoint.block(layer, HookSite.LN1_SCALE),
                HookPoint.block(layer, HookSite.LN1_NORMALIZED));
        NDList qkv = w.isFused()
                ? projections(s, layer, normed, w.qkvWeight(), w.qkvBias(), List.of("q_proj", "k_proj", "v_proj"),
                        (long) heads * dh, (long) kvHeads * dh)
                : new NDList(proj(s, layer, "q_proj", normed, w.qWeight(), w.qBias()), proj(s, layer, "k_proj", normed, w.kWeight(), w.kBias()),
                        proj(s, layer, "v_proj", normed, w.vWeight(), w.vBias()));
        NDArray q = s.hook(HookPoint.block(layer, HookSite.ATTN_Q), qkv.get(0).reshape(batch, queries, heads, dh));
        NDArray k = s.hook(HookPoint.block(layer, HookSite.ATTN_K), qkv.get(1).reshape(batch, queries, kvHeads, dh));
        NDArray v = s.hook(HookPoint.block(layer, HookSite.ATTN_V), qkv.get(2).reshape(batch, queries, kvHeads, dh));
        NDArray rotQ = s.hook(HookPoint.block(layer, HookSite.ATTN_ROT_Q), rope(q, cos, sin));
        NDArray rotK = s.hook(HookPoint.block(layer, HookSite.ATTN_ROT_K), rope(k, cos, sin));

        // [batch, kv_head, pos, d_head]; the cache holds every position attended to
        NDArray keyHeads = rotK.transpose(0, 2, 1, 3);
        NDArray valueHeads = v.transpose(0, 2, 1, 3);
        if (s.pass.cache() != null) {
            NDList all = s.pass.cache().append(layer, keyHeads, valueHeads);
            keyHeads = s.local(all.get(0));
            valueHeads = s.local(all.get(1));
        }
        int keys = (int) keyHeads.getShape().get(2);
        // query head h reads kv head h / groups (Hugging Face repeat_kv): the queries of a kv head's group are
        // rows of one product with that head's keys, [batch, kv_head, group·pos, d_head], so no key or value
        // is broadcast (copied) over the group
        NDArray grouped = rotQ.transpose(0, 2, 1, 3).reshape(batch, kvHeads, (long) groups * queries, dh);
        // scaled and masked in place: at long prompts the scores are the forward's largest arrays (58 MB a layer at
        // 1,024 tokens and 14 heads), each new one fresh memory from the system; the product's backward reads its
        // inputs, not its result, so autograd allows it
        NDArray scores = grouped.matMul(keyHeads.transpose(0, 1, 3, 2))
                .reshape(batch, heads, queries, keys)
                .muli(scalars.attentionScale())
                .addi(mask);
        scores = s.hook(HookPoint.block(layer, HookSite.ATTN_SCORES), scores);
        NDArray pattern = s.hook(HookPoint.block(layer, HookSite.ATTN_PATTERN), scores.softmax(-1));
        NDArray z = pattern.reshape(batch, kvHeads, (long) groups * queries, keys)
                .matMul(valueHeads)
                .reshape(batch, heads, queries, dh)
                .transpose(0, 2, 1, 3);
        z = s.hook(HookPoint.block(layer, HookSite.ATTN_Z), z);
        HookPoint resultPoint = HookPoint.block(layer, HookSite.ATTN_RESULT);
        NDArray attnOut;
        if (s.wants(resultPoint)) {
            // each head through its own columns of o_proj: z spread over a head axis with the other heads'
            // slices zeroed, [batch, pos, head, heads·d_head] -> [batch, pos, head, d_model], summed over heads
            NDArray blocks = owned(s.scope.create(Decoding.headBlocks(config), new Shape(heads, (long) heads * dh)));
            LlmInt8 int8 = weights.llmInt8();
            BlockProducts fast = weights.blocks();
            NDArray perHead;
            if (int8 != null && int8.holds(w.oWeight())) {
                perHead = int8.perHead(z.reshape(batch, queries, (long) heads * dh), s.real, w.oWeight(), blocks);
            } else if (fast != null && fast.holds(w.oWeight())) {
                // z quantised by its whole rows, as the plain product quantises it, then each head through its own columns
                NDArray quantised = BlockProducts.quantise(z.reshape(batch, queries, (long) heads * dh));
                perHead = linear(quantised.reshape(batch, queries, 1, (long) heads * dh).mul(blocks), w.oWeight(), null);
            } else {
                perHead = proj(s, layer, "o_proj", z.reshape(batch, queries, 1, (long) heads * dh).mul(blocks), w.oWeight(), null);
            }
            NDArray result = s.hook(resultPoint, perHead);
            attnOut = result.sum(new int[] {2});
        } else {
            attnOut = proj(s, layer, "o_proj", z.reshape(batch, queries, (long) heads * dh), w.oWeight(), null);
        }
        attnOut = s.hook(HookPoint.block(layer, HookSite.ATTN_OUT), attnOut);
        NDArray residMid = s.hook(HookPoint.block(layer, HookSite.RESID_MID), residPre.add(attnOut));
        NDArray normed2 = rmsNorm(s, residMid, w.postNorm(), scalars, HookPoint.block(layer, HookSite.LN2_SCALE),
                HookPoint.block(layer, HookSite.LN2_NORMALIZED));
        NDList gateUp = w.isFused()
                ? projections(s, layer, normed2, w.gateUpWeight(), null, List.of("gate_proj", "up_proj"), config.intermediateSize())
                : new NDList(proj(s, layer, "gate_proj", normed2, w.gateWeight(), null), proj(s, layer, "up_proj", normed2, w.upWeight(), null));
        NDArray gate = s.hook(HookPoint.block(layer, HookSite.MLP_PRE), gateUp.get(0));
        NDArray up = s.hook(HookPoint.block(layer, HookSite.MLP_PRE_LINEAR), gateUp.get(1));
        NDArray post = s.hook(HookPoint.block(layer, HookSite.MLP_POST), silu(gate).mul(up));
        NDArray mlpOut = s.hook(HookPoint.block(layer, HookSite.MLP_OUT), proj(s, layer, "down_proj", post, w.downWeight(), null));
        return s.hook(HookPoint.block(layer, HookSite.RESID_POST), residMid.add(mlpOut));
    }

    /**
     * A copy that owns its memory. Arrays made from Java data are PyTorch tensors over a direct
     * buffer the Java object keeps alive; autograd may save such a tensor (RoPE tables, token ids) and
     * read it during backward, after the Java object was closed and its buffer collected.
     */
    static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }

    /**
     * A scalar operand in PyTorch-owned memory, for arithmetic that autograd may record. DJL's
     * {@code mul(Number)}, {@code div(Number)}, {@code pow(Number)} wrap the number in a tensor over a
     * Java direct buffer and close it at once; autograd saves that tensor ({@code d(x·c)/dx = c}) and
     * reads it in backward, so a garbage collection in between hands backward freed memory: a zero or
     * stray gradient (OwnedMemoryTest shows it). The boxed type is kept, so results are bit-identical
     * to DJL's scalar operations.
     */
    static NDArray constant(NDManager manager, Number value) {
        return owned(manager.create(value));
    }

    /** The scalar operands of one pass (see {@link #constant}), made once rather than in every layer. */
    private record Scalars(NDArray epsilon, NDArray minusOne, NDArray attentionScale) {}

    /** RMSNorm with its hook points: the scale {@code sqrt(mean(x²) + eps)}, then {@code x · scale⁻¹ · w}. */
    private static NDArray rmsNorm(Step s, NDArray x, NDArray weight, Scalars scalars, HookPoint scalePoint, HookPoint normalizedPoint) {
        NDArray scale = s.hook(scalePoint, x.square().mean(new int[] {-1}, true).add(scalars.epsilon()).sqrt());
        return s.hook(normalizedPoint, x.mul(scale.pow(scalars.minusOne())).mul(weight));
    }

    /** A block's projection, plus the LoRA update {@code s·B·A·dropout(x)} when training an adapter on it. */
    private NDArray proj(Step s, int layer, String module, NDArray x, NDArray weight, NDArray bias) {
        NDArray out = product(s, x, weight, bias);
        LoraLayers lora = s.pass.lora();
        return lora == null ? out : lora.apply(layer, module, x, out);
    }

    /**
     * Several projections of one input through their weights fused along the output axis: one matrix
     * product, split at the given output offsets into each module's output, plus each module's LoRA
     * update when training an adapter. The outputs are views of the product: their values are those a
     * separate product gives, and autograd follows them back into the product (DJL's {@code duplicate()}
     * detaches from autograd: a contiguous copy made with it cut every adapter's gradient paths through
     * the later layers' base projections, {@code DjlLoraGradientTest}).
     */
    private NDList projections(Step s, int layer, NDArray x, NDArray weight, NDArray bias, List<String> modules, long... offsets) {
        long[] at = new long[offsets.length];
        long sum = 0;
        for (int i = 0; i < offsets.length; i++) {
            sum += offsets[i];
            at[i] = sum;
        }
        NDArray product = product(s, x, weight, bias);
        NDList parts = product.split(at, product.getShape().dimension() - 1);
        NDList outputs = new NDList();
        LoraLayers lora = s.pass.lora();
        for (int i = 0; i < modules.size(); i++) {
            NDArray part = parts.get(i);
            outputs.add(lora == null ? part : lora.apply(layer, modules.get(i), x, part));
        }
        return outputs;
    }

    /**
     * A product with a model weight (a block projection or the unembedding): the LLM.int8 product for a
     * weight held as int8 codes, the block-quantised product under {@code q8} / {@code q4}, the product
     * with the dequantised values of a weight held as codes ({@code int8}, {@code nf4}), else {@link
     * #linear}.
     */
    private NDArray product(Step s, NDArray x, NDArray weight, NDArray bias) {
        LlmInt8 int8 = weights.llmInt8();
        if (int8 != null && int8.holds(weight)) {
            return int8.linear(x, s.real, weight, bias);
        }
        BlockProducts blocks = weights.blocks();
        if (blocks != null && blocks.holds(weight)) {
            return blocks.linear(x, weight, bias);
        }
        CodeWeights codes = weights.codes();
        return codes != null && codes.holds(weight) ? codes.linear(x, weight, bias) : linear(x, weight, bias);
    }

    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    private static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /** HF rotate-half RoPE: {@code x·cos + rotate_half(x)·sin}, with {@code rotate_half(x) = [-x2, x1]}. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        int half = config.headDim() / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** The hook dispatch of one pass, bound to the scope that owns the current temporaries. */
    private static final class Step {
        private final Pass pass;
        private final NDManager scope;
        private final int start;
        private final int keys;
        /** {@code [batch, pos, 1]}: true on each row's real positions; null when every position is real. */
        private final NDArray real;

        Step(Pass pass, NDManager scope, int start, int keys, NDArray real) {
            this.pass = pass;
            this.scope = scope;
            this.start = start;
            this.keys = keys;
            this.real = real;
        }

        Step in(NDManager other) {
            return new Step(pass, other, start, keys, real);
        }

        /** Whether a hook, an observer, a cache or a row intervention reads or replaces the point. */
        boolean wants(HookPoint point) {
            return pass.batch().rows().isActive(point) || pass.hooks().isActive(point);
        }

        NDArray hook(HookPoint point, NDArray activation) {
            RowInterventions rows = pass.batch().rows();
            boolean rowsActive = rows.isActive(point);
            if (!rowsActive && !pass.hooks().isActive(point)) {
                return activation;
            }
            BatchLayout layout = pass.batch().layout();
            HookContext context = new HookContext(point, start, keys, pass.step(), layout.uniform() ? null : layout);
            NDArray current = rowsActive ? local(rows.apply(point, activation, context)) : activation;
            return local(pass.hooks().apply(point, current, context, pass.cacheManager()));
        }

        /**
         * Returns the array itself if the current scope owns it, else a view owned by the scope. DJL
         * attaches an operation's result to its first operand's manager, so work on a cached or
         * caller-owned array would otherwise pile up in the run's manager.
         */
        NDArray local(NDArray array) {
            if (array.getManager() == scope) {
                return array;
            }
            NDArray view = array.reshape(array.getShape());
            view.attach(scope);
            return view;
        }
    }
}
