package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.util.Arrays;

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
     * Returns the RoPE tables of a padded batch, every row numbering its positions from its first real
     * token ({@link BatchLayout#positionIds}).
     *
     * @param config the model
     * @param layout the batch's layout
     * @param firstPosition the sequence index of the chunk's first real position
     * @return {@code {cos, sin}}, each {@code [batch * width * d_head]}
     * @since 0.2
     */
    public static float[][] ropeTable(ModelConfig config, BatchLayout layout, int firstPosition) {
        int[][] ids = layout.positionIds(firstPosition);
        int width = layout.width();
        int[] flat = new int[layout.batch() * width];
        for (int b = 0; b < layout.batch(); b++) {
            System.arraycopy(ids[b], 0, flat, b * width, width);
        }
        return ropeTable(config, flat);
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
     * after another): the same values {@link #ropeTable(ModelConfig, int, int)} gives each position.
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
