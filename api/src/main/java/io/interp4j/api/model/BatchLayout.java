package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.Positions;
import java.util.Arrays;
import java.util.List;

/**
 * Where each row of a padded batch lies: its real positions are {@code offsets[b] .. offsets[b] +
 * lengths[b] − 1} of a chunk {@code width} positions wide. A batch of equally long prompts is
 * uniform (offsets 0, every length the width). Engines build the attention mask and the position ids
 * from it, and hooks and interventions read it to find each row's positions (e.g. which index is
 * {@code last}).
 *
 * @param padding where the padding went
 * @param offsets per row, the padded index of its first real position
 * @param lengths per row, how many real positions it has
 * @param width the padded length of the chunk
 * @since 0.2
 */
@Stable
public record BatchLayout(Padding padding, int[] offsets, int[] lengths, int width) {
    /** Validates the layout and takes copies. */
    public BatchLayout {
        requireNonNull(padding, "padding is null");
        offsets = requireNonNull(offsets, "offsets is null").clone();
        lengths = requireNonNull(lengths, "lengths is null").clone();
        if (offsets.length != lengths.length || offsets.length == 0) {
            throw new IllegalArgumentException("a layout needs one offset and one length per row, at least one row");
        }
        for (int b = 0; b < offsets.length; b++) {
            if (lengths[b] < 1 || offsets[b] < 0 || offsets[b] + lengths[b] > width) {
                throw new IllegalArgumentException("row " + b + " (offset " + offsets[b] + ", length " + lengths[b]
                        + ") does not fit a chunk of width " + width);
            }
        }
    }

    /**
     * Lays out prompts of any lengths.
     *
     * @param prompts one token sequence per row, none empty
     * @param padding where the padding goes
     * @return the layout
     */
    public static BatchLayout of(List<int[]> prompts, Padding padding) {
        int batch = prompts.size();
        int[] lengths = new int[batch];
        int width = 0;
        for (int b = 0; b < batch; b++) {
            lengths[b] = prompts.get(b).length;
            width = Math.max(width, lengths[b]);
        }
        int[] offsets = new int[batch];
        if (padding == Padding.LEFT) {
            for (int b = 0; b < batch; b++) {
                offsets[b] = width - lengths[b];
            }
        }
        return new BatchLayout(padding, offsets, lengths, width);
    }

    /**
     * The layout of equally long rows.
     *
     * @param batch rows
     * @param width positions per row
     * @return the layout
     */
    public static BatchLayout uniform(int batch, int width) {
        int[] lengths = new int[batch];
        Arrays.fill(lengths, width);
        return new BatchLayout(Padding.RIGHT, new int[batch], lengths, width);
    }

    /**
     * Returns the number of rows.
     *
     * @return the batch size
     */
    public int batch() {
        return offsets.length;
    }

    @Override
    public int[] offsets() {
        return offsets.clone();
    }

    @Override
    public int[] lengths() {
        return lengths.clone();
    }

    /**
     * Returns a row's first real index.
     *
     * @param row the batch row
     * @return its offset
     */
    public int offset(int row) {
        return offsets[row];
    }

    /**
     * Returns a row's real length.
     *
     * @param row the batch row
     * @return its length
     */
    public int length(int row) {
        return lengths[row];
    }

    /**
     * Returns whether every row fills the chunk (no padding anywhere).
     *
     * @return true when uniform
     */
    public boolean uniform() {
        for (int length : lengths) {
            if (length != width) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether some row's real positions do not start at index 0 (left padding that matters),
     * so that position ids and the key mask differ between rows.
     *
     * @return true when some offset is not 0
     */
    public boolean shifted() {
        for (int offset : offsets) {
            if (offset != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Pads the prompts into one rectangular array; pad slots hold {@code pad}.
     *
     * @param prompts one token sequence per row, as laid out
     * @param pad the id written into pad slots (any valid id: pad slots never reach a real position)
     * @return {@code [batch][width]}
     */
    public int[][] pad(List<int[]> prompts, int pad) {
        int[][] tokens = new int[batch()][width];
        for (int b = 0; b < batch(); b++) {
            Arrays.fill(tokens[b], pad);
            System.arraycopy(prompts.get(b), 0, tokens[b], offsets[b], lengths[b]);
        }
        return tokens;
    }

    /**
     * Returns which slots hold a real position: what a computation that treats each row as its own
     * sequence reduces over (LLM.int8 chooses its outlier columns over a row's real positions only).
     *
     * @return {@code [batch × width]} row-major, true on row {@code b}'s indices {@code offsets[b] ..
     *     offsets[b] + lengths[b] − 1}
     * @since 0.5
     */
    public boolean[] real() {
        boolean[] real = new boolean[batch() * width];
        for (int b = 0; b < batch(); b++) {
            Arrays.fill(real, b * width + offsets[b], b * width + offsets[b] + lengths[b], true);
        }
        return real;
    }

    /**
     * Returns the padded indices that some positions select in one row. Position indices are a row's
     * own (0 is its first real token; negative ones count from its end), as for an unpadded forward
     * whose new positions start at {@code firstPosition}.
     *
     * @param row the batch row
     * @param positions the positions
     * @param firstPosition the sequence index of the chunk's first position (the KV cache's length)
     * @return the padded indices, ascending
     */
    public int[] indices(int row, Positions positions, int firstPosition) {
        List<Positions.Selection> selected = positions.select(firstPosition, lengths[row]);
        int[] indices = new int[selected.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = offsets[row] + selected.get(i).row();
        }
        return indices;
    }

    /**
     * Returns the padded indices that some positions select in every row, the same count per row (a
     * forward's logits at chosen positions are {@code [batch, selected, vocab]}).
     *
     * @param positions the positions, each row's own indices
     * @param firstPosition the sequence index of the chunk's first position
     * @return {@code [batch][selected]}, each row ascending
     * @throws Interp4jException when a row selects nothing or rows select different counts
     * @since 0.2
     */
    public int[][] selectEveryRow(Positions positions, int firstPosition) {
        int[][] selected = new int[batch()][];
        for (int b = 0; b < batch(); b++) {
            selected[b] = indices(b, positions, firstPosition);
            if (selected[b].length == 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "logit positions " + positions + " select nothing in row " + b
                        + " (" + lengths[b] + " positions)");
            }
            if (selected[b].length != selected[0].length) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "logit positions " + positions + " select " + selected[0].length
                        + " positions in row 0 but " + selected[b].length + " in row " + b + "; pick positions every row has");
            }
        }
        return selected;
    }

    /**
     * Returns the position id of every slot: a row's real positions count from {@code firstPosition}
     * at its first real token; pad slots repeat the nearest real position's id (they never reach a
     * real position, so any finite value serves).
     *
     * @param firstPosition the sequence index of the chunk's first real position
     * @return {@code [batch][width]}
     */
    public int[][] positionIds(int firstPosition) {
        int[] first = new int[batch()];
        Arrays.fill(first, firstPosition);
        return positionIds(first);
    }

    /**
     * Returns the position id of every slot when rows continue from different lengths (after a
     * left-padded past, {@link PastKeyValues#pads()}): row {@code b}'s real positions count from
     * {@code firstPositions[b]} at its first real token; pad slots repeat the nearest real position's id.
     *
     * @param firstPositions per row, the sequence index of its first real position in the chunk
     * @return {@code [batch][width]}
     * @since 0.4
     */
    public int[][] positionIds(int[] firstPositions) {
        int[][] ids = new int[batch()][width];
        for (int b = 0; b < batch(); b++) {
            for (int p = 0; p < width; p++) {
                int own = Math.max(0, Math.min(p - offsets[b], lengths[b] - 1));
                ids[b][p] = firstPositions[b] + own;
            }
        }
        return ids;
    }

    /**
     * Returns the additive attention mask {@code [batch, queries = width, keys = firstPosition +
     * width]}: causal, with every pad key masked for real queries. A pad query attends to itself
     * only, so that no row of the softmax is all −∞ (a NaN there would reach real positions through
     * the values).
     *
     * @param firstPosition how many cached keys come before the chunk
     * @return the mask, row-major
     */
    public float[] mask(int firstPosition) {
        return mask(firstPosition, new int[0]);
    }

    /**
     * Returns the additive attention mask after cached keys whose leading positions are padding in
     * some rows ({@link PastKeyValues#pads()}): as {@link #mask(int)}, and row {@code b}'s first
     * {@code pastPads[b]} cached keys are masked too.
     *
     * @param firstPosition how many cached keys come before the chunk
     * @param pastPads per row, how many leading cached keys are padding; empty when none
     * @return the mask, row-major
     * @since 0.4
     */
    public float[] mask(int firstPosition, int[] pastPads) {
        int keys = firstPosition + width;
        float[] mask = new float[batch() * width * keys];
        Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        for (int b = 0; b < batch(); b++) {
            int begin = offsets[b];
            int end = offsets[b] + lengths[b];
            int pastBegin = pastPads.length == 0 ? 0 : pastPads[b];
            for (int q = 0; q < width; q++) {
                int base = (b * width + q) * keys;
                if (q < begin || q >= end) {
                    mask[base + firstPosition + q] = 0f;
                    continue;
                }
                for (int k = pastBegin; k < firstPosition; k++) {
                    mask[base + k] = 0f;
                }
                for (int k = begin; k <= q; k++) {
                    mask[base + firstPosition + k] = 0f;
                }
            }
        }
        return mask;
    }

    /**
     * Fails unless the rows are equally long, for inputs that need it (a shared KV cache).
     *
     * @param what names the input in the message
     */
    public void requireUniform(String what) {
        if (!uniform()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, what + " needs equally long rows; got lengths "
                    + Arrays.toString(lengths));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchLayout l && padding == l.padding && width == l.width && Arrays.equals(offsets, l.offsets)
                && Arrays.equals(lengths, l.lengths);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(offsets) * 31 + Arrays.hashCode(lengths)) * 31 + width;
    }

    @Override
    public String toString() {
        return "BatchLayout[" + padding + ", offsets=" + Arrays.toString(offsets) + ", lengths=" + Arrays.toString(lengths)
                + ", width=" + width + "]";
    }
}
