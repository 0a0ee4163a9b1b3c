package io.interp4j.testkit;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * An independent, slow, double-precision forward of Hugging Face's {@code Qwen2ForCausalLM}, written
 * from the transformers source in plain Java loops (no tensor library), against which engines are
 * judged. It produces the activation at every {@link HookPoint} of one token sequence (batch 1) and
 * can replace activations by hand, like a forward hook.
 *
 * <p>Formulas, as in {@code modeling_qwen2.py}: {@code RMSNorm(x) = w * x / sqrt(mean(x²) + eps)};
 * linear layers {@code y = x Wᵀ + b} with {@code W} stored {@code [out, in]}; rotary embeddings in the
 * rotate-half layout with {@code inv_freq[i] = theta^(-2i/d_head)}; grouped-query attention where
 * query head {@code h} reads key/value head {@code h / (heads / kv_heads)}; the MLP {@code
 * down(silu(gate(x)) * up(x))}.
 *
 * <p>Only meant for tiny models: every call recomputes everything.
 */
public final class ReferenceQwen2 {
    private final ModelConfig config;
    private final double[] embed;
    private final double[] unembed;
    private final double[] finalNorm;
    private final List<LayerWeights> layers;
    /** The LLM.int8 threshold applied to every block projection's input, or NaN for plain float products. */
    private final double llmInt8Threshold;
    /** Under LLM.int8: the first rows, quantised as one product (a prefill); each later row is its own (a cached decode step). */
    private final int llmInt8Prefill;
    /** Whether every block projection's input is quantised to int8 per block of 64 (q8 and q4's activations). */
    private final boolean blockInt8;

    private record LayerWeights(
            double[] inputNorm,
            double[] wq, double[] bq,
            double[] wk, double[] bk,
            double[] wv, double[] bv,
            double[] wo,
            double[] postNorm,
            double[] wGate, double[] wUp, double[] wDown) {}

    /**
     * What one reference forward produced.
     *
     * @param activations the activation at every hook point, in forward order, after any override
     */
    public record Result(Map<HookPoint, RefTensor> activations) {
        /** Copies the map. */
        public Result {
            activations = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(activations, "activations is null")));
        }

        /**
         * Returns the activation at a hook point.
         *
         * @param point the hook point
         * @return the activation
         */
        public RefTensor get(HookPoint point) {
            RefTensor value = activations.get(point);
            if (value == null) {
                throw new IllegalArgumentException("no activation at '" + point + "'");
            }
            return value;
        }

        /**
         * Returns the activation at a named hook point.
         *
         * @param name e.g. {@code blocks.0.hook_resid_post}
         * @return the activation
         */
        public RefTensor get(String name) {
            return get(HookPoint.parse(name));
        }

        /**
         * Returns the logits.
         *
         * @return {@code [1, pos, vocab]}
         */
        public RefTensor logits() {
            return get(HookPoint.global(HookSite.LOGITS));
        }
    }

    private ReferenceQwen2(ModelConfig config, double[] embed, double[] unembed, double[] finalNorm, List<LayerWeights> layers,
            double llmInt8Threshold, int llmInt8Prefill, boolean blockInt8) {
        this.config = config;
        this.embed = embed;
        this.unembed = unembed;
        this.finalNorm = finalNorm;
        this.layers = layers;
        this.llmInt8Threshold = llmInt8Threshold;
        this.llmInt8Prefill = llmInt8Prefill;
        this.blockInt8 = blockInt8;
    }

    /**
     * Returns this model with the fast modes' activation side ({@code q8}, {@code q4}) on every block
     * projection and on the unembedding (whose weights they quantise too, {@link
     * io.interp4j.api.quant.Quantization#unembeddingScheme()}): each row of the input is cut into blocks of {@value #ACTIVATION_BLOCK} values, and each
     * value replaced by what its int8 code stands for, {@code rint(x / s)·s} with {@code s = absmax / 127}
     * over its block (half to even; a block of zeros stays zero). With weights that are the dequantised
     * weights, each projection is then the product of the codes scaled by both blocks' scales, in exact
     * arithmetic. The per-head outputs of {@code o_proj} use the same quantised {@code z}. Rows are
     * quantised alone, so a prefill and cached decode steps give one full forward's values.
     *
     * @return the reference with block-quantised activations
     */
    public ReferenceQwen2 withBlockInt8Activations() {
        return new ReferenceQwen2(config, embed, unembed, finalNorm, layers, Double.NaN, Integer.MAX_VALUE, true);
    }

    /**
     * Returns this model with another unembedding, the embedding table left as it is: what the fast
     * modes compute for a model with tied embeddings, whose unembedding alone they quantise.
     *
     * @param weights {@code [vocab, d_model]} row-major
     * @return the model with that unembedding
     */
    public ReferenceQwen2 withUnembedding(double[] weights) {
        if (weights.length != unembed.length) {
            throw new IllegalArgumentException("unembedding of " + weights.length + " values; the model's has " + unembed.length);
        }
        return new ReferenceQwen2(config, embed, weights.clone(), finalNorm, layers, llmInt8Threshold, llmInt8Prefill, blockInt8);
    }

    /** The inputs per activation block of {@link #withBlockInt8Activations}. */
    public static final int ACTIVATION_BLOCK = 64;

    /**
     * Rows quantised per block as {@link #withBlockInt8Activations} describes.
     *
     * @param x {@code [rows, width]} row-major
     * @param width the row width
     * @return what the codes stand for, the same shape
     */
    public static double[] blockInt8(double[] x, int width) {
        double[] out = new double[x.length];
        for (int row = 0; row < x.length / width; row++) {
            for (int from = 0; from < width; from += ACTIVATION_BLOCK) {
                int to = Math.min(width, from + ACTIVATION_BLOCK);
                double absmax = 0;
                for (int c = from; c < to; c++) {
                    absmax = Math.max(absmax, Math.abs(x[row * width + c]));
                }
                double scale = absmax / 127;
                for (int c = from; c < to; c++) {
                    int i = row * width + c;
                    out[i] = absmax == 0 ? 0 : Math.rint(x[i] / scale) * scale;
                }
            }
        }
        return out;
    }

    /**
     * Returns this model with LLM.int8's activation side on every block projection: the input is
     * replaced by {@link ReferenceLlmInt8#activations} (outlier columns kept, the rest what their int8
     * codes stand for) before the product; with weights that are the dequantised LLM.int8 weights, each
     * projection is then LLM.int8's product. The per-head outputs of {@code o_proj} use the same
     * quantised {@code z}. Embeddings, norms and the unembedding are untouched.
     *
     * @return the reference under LLM.int8 at {@link ReferenceLlmInt8#THRESHOLD}, every position in one product
     */
    public ReferenceQwen2 withLlmInt8Activations() {
        return withLlmInt8Activations(Integer.MAX_VALUE);
    }

    /**
     * Returns this model under LLM.int8 as a KV-cache generation computes it: the first {@code
     * prefillRows} positions (the prompt) are quantised as one product, and every later position alone,
     * as a cached decode step multiplies one row (LLM.int8's outlier columns are chosen per product).
     * Causality makes one full forward of the whole sequence equal to the prefill and the decode steps.
     *
     * @param prefillRows the prompt's length
     * @return the reference under LLM.int8 at {@link ReferenceLlmInt8#THRESHOLD}
     */
    public ReferenceQwen2 withLlmInt8Activations(int prefillRows) {
        if (prefillRows < 1) {
            throw new IllegalArgumentException("prefillRows is " + prefillRows + "; allowed: >= 1");
        }
        return new ReferenceQwen2(config, embed, unembed, finalNorm, layers, ReferenceLlmInt8.THRESHOLD, prefillRows, false);
    }

    /**
     * Reads a model directory.
     *
     * @param directory a Hugging Face Qwen2 directory
     * @return the reference model
     */
    public static ReferenceQwen2 load(Path directory) {
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            return of(checkpoint);
        }
    }

    /**
     * Reads the weights of an open checkpoint (which stays open).
     *
     * @param checkpoint the checkpoint
     * @return the reference model
     */
    public static ReferenceQwen2 of(Checkpoint checkpoint) {
        return of(checkpoint, (name, weight) -> weight);
    }

    /**
     * Reads the weights of an open checkpoint (which stays open), each block projection weight ({@code
     * q|k|v|o|gate|up|down_proj.weight}) passed through a function first (a quantise–dequantise written
     * by the caller).
     *
     * @param checkpoint the checkpoint
     * @param projections tensor name and row-major float values to the values used
     * @return the reference model
     */
    public static ReferenceQwen2 of(Checkpoint checkpoint, java.util.function.BiFunction<String, float[], float[]> projections) {
        requireNonNull(projections, "projections is null");
        ModelConfig config = checkpoint.config();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            layers.add(new LayerWeights(
                    read(checkpoint, Qwen2Layout.layer(l, "input_layernorm.weight")),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.q_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.q_proj.bias")),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.k_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.k_proj.bias")),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.v_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.v_proj.bias")),
                    read(checkpoint, Qwen2Layout.layer(l, "self_attn.o_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "post_attention_layernorm.weight")),
                    read(checkpoint, Qwen2Layout.layer(l, "mlp.gate_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "mlp.up_proj.weight"), projections),
                    read(checkpoint, Qwen2Layout.layer(l, "mlp.down_proj.weight"), projections)));
        }
        double[] embed = read(checkpoint, Qwen2Layout.EMBED);
        double[] unembed = config.tieWordEmbeddings() ? embed : read(checkpoint, Qwen2Layout.LM_HEAD);
        return new ReferenceQwen2(config, embed, unembed, read(checkpoint, Qwen2Layout.FINAL_NORM), List.copyOf(layers), Double.NaN,
                Integer.MAX_VALUE, false);
    }

    private static double[] read(Checkpoint checkpoint, String name) {
        return read(checkpoint, name, (n, weight) -> weight);
    }

    private static double[] read(Checkpoint checkpoint, String name, java.util.function.BiFunction<String, float[], float[]> transform) {
        float[] values = transform.apply(name, checkpoint.readFloats(name));
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * Returns the architecture.
     *
     * @return the config
     */
    public ModelConfig config() {
        return config;
    }

    /**
     * Runs one token sequence.
     *
     * @param tokens token ids
     * @return the activation at every hook point
     */
    public Result forward(int... tokens) {
        return forward(tokens, Map.of());
    }

    /**
     * Runs one token sequence, replacing activations: at a hook point with an override, the override
     * receives the computed activation and its result is recorded and used downstream.
     *
     * @param tokens token ids
     * @param overrides hook point to replacement function; results must keep the shape
     * @return the activation at every hook point
     */
    public Result forward(int[] tokens, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
        requireNonNull(tokens, "tokens is null");
        requireNonNull(overrides, "overrides is null");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("tokens is empty");
        }
        for (HookPoint point : overrides.keySet()) {
            point.checkIn(config);
        }
        return new Pass(tokens.length, overrides).run(tokens);
    }

    /**
     * Generates greedily, recomputing the whole sequence at every step: the next token is the argmax of
     * the last position's logits, the lowest id winning ties.
     *
     * @param prompt the prompt's token ids
     * @param maxNewTokens how many tokens to generate
     * @param stopAtEos whether to stop after the config's eos token
     * @return the generated tokens (eos included when generation stopped there)
     */
    public int[] generate(int[] prompt, int maxNewTokens, boolean stopAtEos) {
        return generate(prompt, maxNewTokens, stopAtEos, Map.of());
    }

    /**
     * Generates greedily with overrides applied to every step's full-sequence forward.
     *
     * @param prompt the prompt's token ids
     * @param maxNewTokens how many tokens to generate
     * @param stopAtEos whether to stop after the config's eos token
     * @param overrides hook point to replacement function
     * @return the generated tokens
     */
    public int[] generate(int[] prompt, int maxNewTokens, boolean stopAtEos, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
        int[] sequence = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int length = prompt.length;
        for (int step = 0; step < maxNewTokens; step++) {
            RefTensor logits = forward(Arrays.copyOf(sequence, length), overrides).logits();
            int next = argmax(lastRow(logits));
            sequence[length++] = next;
            if (stopAtEos && config.eosTokenId().isPresent() && next == config.eosTokenId().getAsInt()) {
                break;
            }
        }
        return Arrays.copyOfRange(sequence, prompt.length, length);
    }

    /**
     * Returns the last position's row of {@code [1, pos, vocab]} logits.
     *
     * @param logits the logits
     * @return the last row
     */
    public static double[] lastRow(RefTensor logits) {
        long[] shape = logits.shape();
        int vocab = (int) shape[shape.length - 1];
        double[] data = logits.data();
        return Arrays.copyOfRange(data, data.length - vocab, data.length);
    }

    /**
     * Returns the index of the largest value, the lowest index winning ties.
     *
     * @param values the values
     * @return the argmax
     */
    public static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** One forward: the activations recorded so far and the overrides to apply. */
    private final class Pass {
        private final int n;
        private final Map<HookPoint, UnaryOperator<RefTensor>> overrides;
        private final Map<HookPoint, RefTensor> recorded = new LinkedHashMap<>();

        Pass(int n, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
            this.n = n;
            this.overrides = overrides;
        }

        Result run(int[] tokens) {
            int d = config.hiddenSize();
            int vocab = config.vocabSize();
            double[] x = new double[n * d];
            for (int p = 0; p < n; p++) {
                int token = tokens[p];
                if (token < 0 || token >= vocab) {
                    throw new IllegalArgumentException("token " + token + " at position " + p + " is outside the vocabulary 0.." + (vocab - 1));
                }
                System.arraycopy(embed, token * d, x, p * d, d);
            }
            x = hook(HookPoint.global(HookSite.EMBED), x);
            for (int l = 0; l < layers.size(); l++) {
                x = block(l, layers.get(l), x);
            }
            double[] normalized = rmsNorm(x, finalNorm, HookPoint.global(HookSite.LN_FINAL_SCALE), HookPoint.global(HookSite.LN_FINAL_NORMALIZED));
            hook(HookPoint.global(HookSite.LOGITS), linear(blockInt8 ? blockInt8(normalized, d) : normalized, d, unembed, null, vocab));
            return new Result(recorded);
        }

        private double[] block(int l, LayerWeights w, double[] input) {
            int d = config.hiddenSize();
            int heads = config.numHeads();
            int kvHeads = config.numKvHeads();
            int dh = config.headDim();
            double[] x = hook(at(l, HookSite.RESID_PRE), input);
            double[] h = rmsNorm(x, w.inputNorm(), at(l, HookSite.LN1_SCALE), at(l, HookSite.LN1_NORMALIZED));
            double[] hq = projectionInput(h, d);
            double[] q = hook(at(l, HookSite.ATTN_Q), linear(hq, d, w.wq(), w.bq(), heads * dh));
            double[] k = hook(at(l, HookSite.ATTN_K), linear(hq, d, w.wk(), w.bk(), kvHeads * dh));
            double[] v = hook(at(l, HookSite.ATTN_V), linear(hq, d, w.wv(), w.bv(), kvHeads * dh));
            double[] rq = hook(at(l, HookSite.ATTN_ROT_Q), rope(q, heads));
            double[] rk = hook(at(l, HookSite.ATTN_ROT_K), rope(k, kvHeads));

            // scores [head, q, k], scaled and causally masked
            double scale = 1 / Math.sqrt(dh);
            double[] scores = new double[heads * n * n];
            for (int head = 0; head < heads; head++) {
                int kvHead = config.kvHeadOf(head);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = Double.NEGATIVE_INFINITY;
                        if (j <= i) {
                            s = 0;
                            for (int c = 0; c < dh; c++) {
                                s += rq[(i * heads + head) * dh + c] * rk[(j * kvHeads + kvHead) * dh + c];
                            }
                            s *= scale;
                        }
                        scores[(head * n + i) * n + j] = s;
                    }
                }
            }
            scores = hook(at(l, HookSite.ATTN_SCORES), scores);
            double[] pattern = hook(at(l, HookSite.ATTN_PATTERN), softmaxRows(scores, n));

            double[] z = new double[n * heads * dh];
            for (int i = 0; i < n; i++) {
                for (int head = 0; head < heads; head++) {
                    int kvHead = config.kvHeadOf(head);
                    for (int j = 0; j < n; j++) {
                        double p = pattern[(head * n + i) * n + j];
                        for (int c = 0; c < dh; c++) {
                            z[(i * heads + head) * dh + c] += p * v[(j * kvHeads + kvHead) * dh + c];
                        }
                    }
                }
            }
            z = hook(at(l, HookSite.ATTN_Z), z);
            double[] zq = projectionInput(z, heads * dh);
            // each head's output through its d_head columns of o_proj, [pos, head, d_model]; attn_out is their sum
            double[] result = new double[n * heads * d];
            for (int p = 0; p < n; p++) {
                for (int head = 0; head < heads; head++) {
                    for (int o = 0; o < d; o++) {
                        double s = 0;
                        for (int c = 0; c < dh; c++) {
                            s += zq[(p * heads + head) * dh + c] * w.wo()[o * heads * dh + head * dh + c];
                        }
                        result[(p * heads + head) * d + o] = s;
                    }
                }
            }
            result = hook(at(l, HookSite.ATTN_RESULT), result);
            double[] summed = new double[n * d];
            for (int p = 0; p < n; p++) {
                for (int head = 0; head < heads; head++) {
                    for (int o = 0; o < d; o++) {
                        summed[p * d + o] += result[(p * heads + head) * d + o];
                    }
                }
            }
            double[] attnOut = hook(at(l, HookSite.ATTN_OUT), summed);
            double[] mid = hook(at(l, HookSite.RESID_MID), add(x, attnOut));

            int m = config.intermediateSize();
            double[] h2 = rmsNorm(mid, w.postNorm(), at(l, HookSite.LN2_SCALE), at(l, HookSite.LN2_NORMALIZED));
            double[] h2q = projectionInput(h2, d);
            double[] gate = hook(at(l, HookSite.MLP_PRE), linear(h2q, d, w.wGate(), null, m));
            double[] up = hook(at(l, HookSite.MLP_PRE_LINEAR), linear(h2q, d, w.wUp(), null, m));
            double[] act = new double[gate.length];
            for (int i = 0; i < act.length; i++) {
                act[i] = silu(gate[i]) * up[i];
            }
            act = hook(at(l, HookSite.MLP_POST), act);
            double[] mlpOut = hook(at(l, HookSite.MLP_OUT), linear(projectionInput(act, m), m, w.wDown(), null, d));
            return hook(at(l, HookSite.RESID_POST), add(mid, mlpOut));
        }

        /**
         * A block projection's input: itself, or under LLM.int8 what its quantised form stands for, the
         * prefill's rows quantised together and each later row alone.
         */
        private double[] projectionInput(double[] x, int width) {
            if (blockInt8) {
                return blockInt8(x, width);
            }
            if (Double.isNaN(llmInt8Threshold)) {
                return x;
            }
            int prefill = Math.min(n, llmInt8Prefill);
            double[] out = new double[x.length];
            System.arraycopy(ReferenceLlmInt8.activations(Arrays.copyOf(x, prefill * width), prefill, width, llmInt8Threshold), 0, out, 0,
                    prefill * width);
            for (int row = prefill; row < n; row++) {
                double[] alone = Arrays.copyOfRange(x, row * width, (row + 1) * width);
                System.arraycopy(ReferenceLlmInt8.activations(alone, 1, width, llmInt8Threshold), 0, out, row * width, width);
            }
            return out;
        }

        private HookPoint at(int layer, HookSite site) {
            return HookPoint.block(layer, site);
        }

        /** Records the activation, or the override's replacement of it, and returns what flows on. */
        private double[] hook(HookPoint point, double[] values) {
            long[] shape = point.shape(config, 1, n, n);
            RefTensor tensor = new RefTensor(shape, values);
            UnaryOperator<RefTensor> override = overrides.get(point);
            if (override != null) {
                tensor = override.apply(tensor);
                if (tensor == null || !Arrays.equals(tensor.shape(), shape)) {
                    throw new IllegalArgumentException("override at '" + point + "' returned "
                            + (tensor == null ? "null" : "shape " + Arrays.toString(tensor.shape())) + "; expected " + Arrays.toString(shape));
                }
            }
            recorded.put(point, tensor);
            return tensor.data();
        }

        /** Rotary embedding of {@code [pos, heads, d_head]} in Hugging Face's rotate-half layout. */
        private double[] rope(double[] x, int heads) {
            int dh = config.headDim();
            int half = dh / 2;
            double[] out = new double[x.length];
            for (int p = 0; p < n; p++) {
                for (int i = 0; i < half; i++) {
                    double invFreq = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / dh);
                    double angle = p * invFreq;
                    double cos = Math.cos(angle);
                    double sin = Math.sin(angle);
                    for (int head = 0; head < heads; head++) {
                        int base = (p * heads + head) * dh;
                        double first = x[base + i];
                        double second = x[base + i + half];
                        // x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x[half:], x[:half])
                        out[base + i] = first * cos - second * sin;
                        out[base + i + half] = second * cos + first * sin;
                    }
                }
            }
            return out;
        }

        /**
         * RMSNorm with its two hook points: the scale {@code sqrt(mean(x²) + eps)} per position, then
         * {@code w · x / scale}, computed from the scale after any override of it.
         */
        private double[] rmsNorm(double[] x, double[] weight, HookPoint scalePoint, HookPoint normalizedPoint) {
            int d = weight.length;
            double[] scale = new double[n];
            for (int p = 0; p < n; p++) {
                double sumSquares = 0;
                for (int c = 0; c < d; c++) {
                    sumSquares += x[p * d + c] * x[p * d + c];
                }
                scale[p] = Math.sqrt(sumSquares / d + config.rmsNormEps());
            }
            scale = hook(scalePoint, scale);
            double[] out = new double[x.length];
            for (int p = 0; p < n; p++) {
                for (int c = 0; c < d; c++) {
                    out[p * d + c] = weight[c] * (x[p * d + c] / scale[p]);
                }
            }
            return hook(normalizedPoint, out);
        }

        /** {@code y = x Wᵀ + b} per position, {@code W} stored {@code [out, in]}. */
        private double[] linear(double[] x, int in, double[] weight, double[] bias, int out) {
            double[] y = new double[n * out];
            for (int p = 0; p < n; p++) {
                for (int o = 0; o < out; o++) {
                    double s = bias == null ? 0 : bias[o];
                    for (int c = 0; c < in; c++) {
                        s += x[p * in + c] * weight[o * in + c];
                    }
                    y[p * out + o] = s;
                }
            }
            return y;
        }

        /** Softmax over the last axis of {@code [head, q, k]}; −∞ entries get probability 0. */
        private double[] softmaxRows(double[] scores, int keys) {
            double[] out = new double[scores.length];
            for (int row = 0; row < scores.length / keys; row++) {
                int base = row * keys;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    max = Math.max(max, scores[base + j]);
                }
                double sum = 0;
                for (int j = 0; j < keys; j++) {
                    out[base + j] = Math.exp(scores[base + j] - max);
                    sum += out[base + j];
                }
                for (int j = 0; j < keys; j++) {
                    out[base + j] /= sum;
                }
            }
            return out;
        }

        private double[] add(double[] a, double[] b) {
            double[] out = new double[a.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = a[i] + b[i];
            }
            return out;
        }

        private double silu(double x) {
            return x / (1 + Math.exp(-x));
        }
    }
}
