package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import ai.djl.ndarray.NDArray;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every engine computes the same way, kept in one place: input checks, RoPE tables in Hugging
 * Face's rotate-half layout, the causal mask, the head blocks that split {@code o_proj} per head, and
 * the greedy decoding loop.
 *
 * @since 0.1
 */
@Internal
public final class Decoding {
    private Decoding() {}

    /** One step of generation: runs the given tokens (all, or only the newest with a KV cache). */
    @FunctionalInterface
    public interface Step {
        /**
         * Runs one step.
         *
         * @param tokens the tokens this step computes
         * @param step 0 for the prefill, then 1, 2, ...
         * @return the logits of the last computed position, {@code [vocab]}
         */
        float[] lastLogits(int[] tokens, int step);
    }

    /**
     * Checks a batch of token ids against a model.
     *
     * @param config the model
     * @param tokens {@code [batch][pos]}
     */
    public static void checkTokens(ModelConfig config, int[][] tokens) {
        requireNonNull(tokens, "tokens is null");
        if (tokens.length == 0 || tokens[0] == null || tokens[0].length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no tokens given; a forward needs at least one token");
        }
        for (int[] row : tokens) {
            if (row == null || row.length != tokens[0].length) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "batch rows have different lengths; pad them to one length first");
            }
            for (int id : row) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + id + " is out of range; allowed 0.."
                            + (config.vocabSize() - 1));
                }
            }
        }
    }

    /**
     * Generates greedily: the lowest index of the largest logit wins, as in Hugging Face's greedy search.
     *
     * @param config the model (for the eos token)
     * @param prompt the prompt
     * @param options the options
     * @param step runs one step
     * @return the generation with timings
     */
    public static Generation greedy(ModelConfig config, int[] prompt, GenerationOptions options, Step step) {
        checkTokens(config, new int[][] {prompt});
        int[] sequence = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
        int length = prompt.length;
        long started = System.nanoTime();
        long prefill = 0;
        for (int i = 0; i < options.maxNewTokens(); i++) {
            int[] input = options.useKvCache() && i > 0 ? new int[] {sequence[length - 1]} : Arrays.copyOf(sequence, length);
            int next = argmax(step.lastLogits(input, i));
            sequence[length++] = next;
            if (i == 0) {
                prefill = System.nanoTime() - started;
            }
            if (options.stopAtEos() && config.eosTokenId().isPresent() && next == config.eosTokenId().getAsInt()) {
                break;
            }
        }
        long total = System.nanoTime() - started;
        return new Generation(prompt, Arrays.copyOfRange(sequence, prompt.length, length), prefill, total - prefill);
    }

    /** Picks a row's next token from its last position's logits. */
    @FunctionalInterface
    public interface RowSampler {
        /**
         * Picks the next token.
         *
         * @param row the batch row
         * @param logits the row's last logits, {@code [vocab]}
         * @return the token id
         */
        int next(int row, float[] logits);
    }

    /**
     * Generates from a batch of prompts of any lengths with keys and values reused: one forward of
     * the left-padded prompts, then per step one forward of every row's newest token after the
     * batch's keys and values (their leading pads per row, {@link PastKeyValues#pads()}), so each row
     * gets the tokens it would get alone. A row stops after {@code eos}; it keeps being computed (its
     * tokens dropped) until every row stopped or {@code maxNewTokens} steps ran. The run caches the
     * rotated keys and values of every layer ({@link Run#cache}) and may carry hooks and interventions:
     * the prompts' forward shows them every position, each later one the new position only.
     *
     * @param run the run, with its hooks
     * @param prompts token ids per row, none empty
     * @param maxNewTokens the most new tokens per row, at least 1
     * @param eos the end-of-text token, or a negative number for none
     * @param sampler picks each row's next token
     * @return per row its new tokens, the eos token included where it stopped there
     * @since 0.4
     */
    public static List<int[]> batched(Run run, List<int[]> prompts, int maxNewTokens, int eos, RowSampler sampler) {
        requireNonNull(run, "run is null");
        requireNonNull(sampler, "sampler is null");
        if (maxNewTokens < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "maxNewTokens must be >= 1, found " + maxNewTokens);
        }
        ForwardInput input = ForwardInput.of(prompts).withPadding(Padding.LEFT).logitsAt(Positions.LAST);
        ModelConfig config = run.config();
        input.check(config);
        int batch = input.batch();
        int[] pads = input.layout().offsets();
        int[][] generated = new int[batch][maxNewTokens];
        int[] produced = new int[batch];
        boolean[] done = new boolean[batch];
        List<HookPoint> keyValues = new ArrayList<>();
        for (int layer = 0; layer < config.numLayers(); layer++) {
            keyValues.add(HookPoint.block(layer, HookSite.ATTN_ROT_K));
            keyValues.add(HookPoint.block(layer, HookSite.ATTN_V));
        }
        run.cache(keyValues);
        PastKeyValues past = null;
        int vocab = config.vocabSize();
        try {
            for (int step = 0; step < maxNewTokens; step++) {
                ForwardResult result = run.forward(input);
                float[] logits = result.logits().toFloatArray();
                result.logits().close();
                int[] next = new int[batch];
                boolean all = true;
                for (int b = 0; b < batch; b++) {
                    next[b] = sampler.next(b, Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab));
                    if (!done[b]) {
                        generated[b][produced[b]++] = next[b];
                        done[b] = next[b] == eos;
                    }
                    all &= done[b];
                }
                if (all || step == maxNewTokens - 1) {
                    break;
                }
                past = extend(past, result.cache(), config.numLayers(), pads);
                int[][] newest = new int[batch][];
                for (int b = 0; b < batch; b++) {
                    newest[b] = new int[] {next[b]};
                }
                input = ForwardInput.of(newest).after(past).logitsAt(Positions.LAST);
            }
        } finally {
            if (past != null) {
                for (int layer = 0; layer < config.numLayers(); layer++) {
                    past.key(layer).close();
                    past.value(layer).close();
                }
            }
        }
        List<int[]> rows = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            rows.add(Arrays.copyOf(generated[b], produced[b]));
        }
        return rows;
    }

    /** Appends one forward's cached keys and values to the past ones, freeing what is no longer read. */
    private static PastKeyValues extend(PastKeyValues past, ActivationCache cache, int layers, int[] pads) {
        NDArray[] keys = new NDArray[layers];
        NDArray[] values = new NDArray[layers];
        for (int layer = 0; layer < layers; layer++) {
            NDArray k = cache.get(HookPoint.block(layer, HookSite.ATTN_ROT_K));
            NDArray v = cache.get(HookPoint.block(layer, HookSite.ATTN_V));
            if (past == null) {
                keys[layer] = k;
                values[layer] = v;
            } else {
                keys[layer] = past.key(layer).concat(k, 1);
                values[layer] = past.value(layer).concat(v, 1);
                past.key(layer).close();
                past.value(layer).close();
                k.close();
                v.close();
            }
        }
        return new PastKeyValues((int) keys[0].getShape().get(1), keys, values, pads);
    }

    /**
     * Returns the lowest index of the largest value.
     *
     * @param row the values
     * @return the index
     */
    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Returns cos and sin of {@code position · inv_freq} for each new position, each duplicated over
     * both halves of the head ({@code [count, d_head]} row-major), with {@code inv_freq[i] =
     * theta^(-2i/d_head)} computed in double.
     *
     * @param config the model
     * @param start the first position
     * @param count how many positions
     * @return {@code {cos, sin}}
     */
    public static float[][] ropeTable(ModelConfig config, int start, int count) {
        int[] positions = new int[count];
        for (int p = 0; p < count; p++) {
            positions[p] = start + p;
        }
        return ropeTable(config, positions);
    }

    /**
     * The RoPE tables and the additive attention mask of one forward, with the shapes an engine feeds
     * them in: {@code cos}/{@code sin} {@code [1 or batch, queries, 1, d_head]}, the mask {@code
     * [queries, keys]} or, when rows differ, {@code [batch, 1, queries, keys]}.
     *
     * @param cos the cosines, row-major
     * @param sin the sines, row-major
     * @param ropeShape the tables' shape
     * @param mask the additive mask, row-major
     * @param maskShape the mask's shape
     * @since 0.4
     */
    public record Geometry(float[] cos, float[] sin, long[] ropeShape, float[] mask, long[] maskShape) {}

    /**
     * Returns the position tables and the attention mask of a chunk after {@code start} cached
     * positions, the one place both engines build them: rows equal and unpadded share one causal mask
     * and one table; otherwise (a padded chunk, or a past with padded rows) every row numbers its
     * positions from its own first real token and its pad keys, cached or new, are masked.
     *
     * @param config the model
     * @param layout the chunk's layout
     * @param start how many cached positions come before it, padding included
     * @param pastPads per row, how many leading cached positions are padding; empty when none
     * @return the tables and the mask
     * @since 0.4
     */
    public static Geometry geometry(ModelConfig config, BatchLayout layout, int start, int[] pastPads) {
        int batch = layout.batch();
        int queries = layout.width();
        int keys = start + queries;
        boolean pastPadded = Arrays.stream(pastPads).anyMatch(p -> p != 0);
        if (!layout.shifted() && !pastPadded) {
            float[][] table = ropeTable(config, start, queries);
            return new Geometry(table[0], table[1], new long[] {1, queries, 1, config.headDim()}, causalMask(start, queries),
                    new long[] {queries, keys});
        }
        int[] first = new int[batch];
        for (int b = 0; b < batch; b++) {
            first[b] = start - (pastPadded ? pastPads[b] : 0);
        }
        int[][] ids = layout.positionIds(first);
        int[] flat = new int[batch * queries];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids[b], 0, flat, b * queries, queries);
        }
        float[][] table = ropeTable(config, flat);
        return new Geometry(table[0], table[1], new long[] {batch, queries, 1, config.headDim()}, layout.mask(start, pastPadded ? pastPads : new int[0]),
                new long[] {batch, 1, queries, keys});
    }

    /**
     * Returns the mask that spreads {@code hook_z} over a head axis for per-head outputs ({@code
     * attn.hook_result}): {@code [n_heads, n_heads · d_head]}, row {@code h} is 1 over head {@code h}'s
     * {@code d_head} columns and 0 elsewhere. {@code o_proj} applied to {@code z · mask} gives each
     * head's output; their sum over heads is {@code o_proj(z)}.
     *
     * @param config the model
     * @return the mask, row-major
     * @since 0.3
     */
    public static float[] headBlocks(ModelConfig config) {
        int heads = config.numHeads();
        int dh = config.headDim();
        float[] blocks = new float[heads * heads * dh];
        for (int h = 0; h < heads; h++) {
            Arrays.fill(blocks, (h * heads + h) * dh, (h * heads + h + 1) * dh, 1f);
        }
        return blocks;
    }

    /**
     * Returns the RoPE tables for arbitrary position ids (one per slot, e.g. a padded batch's rows one
     * after another, {@link #geometry}): the same values {@link #ropeTable(ModelConfig, int, int)} gives each position.
     *
     * @param config the model
     * @param positions the position id of each slot
     * @return {@code {cos, sin}}, each {@code [slots * d_head]}
     */
    public static float[][] ropeTable(ModelConfig config, int[] positions) {
        int dh = config.headDim();
        int half = dh / 2;
        float[] cos = new float[positions.length * dh];
        float[] sin = new float[positions.length * dh];
        for (int p = 0; p < positions.length; p++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[p] / Math.pow(config.ropeTheta(), (2.0 * i) / dh);
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * dh + i] = c;
                cos[p * dh + half + i] = c;
                sin[p * dh + i] = s;
                sin[p * dh + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }

    public static float[] causalMask(int start, int queries) {
        int keys = start + queries;
        float[] mask = new float[queries * keys];
        for (int i = 0; i < queries; i++) {
            for (int j = start + i + 1; j < keys; j++) {
                mask[i * keys + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return mask;
    }
}
