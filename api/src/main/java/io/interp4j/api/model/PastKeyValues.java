package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;

/**
 * Keys and values of earlier positions for a forward that computes only the positions after them
 * (the prefix of a clean run, reused): per layer the rotated keys and the values in hook layout,
 * {@code [1 or batch, length, kv_heads, d_head]}, i.e. what {@code blocks.L.attn.hook_rot_k} and
 * {@code blocks.L.attn.hook_v} held for those positions. A batch of 1 serves every row. Layers
 * below the forward's start layer are not read and may be {@code null}.
 *
 * <p>The earlier positions may be a left-padded batch (prompts of different lengths, then the tokens
 * generated after them): {@code pads[b]} leading positions of row {@code b} are padding. A forward
 * after them masks those keys in row {@code b} and numbers its positions from the row's real length,
 * {@code length − pads[b]}, so each row computes what it would alone. Only leading padding is
 * supported (left padding, what generation needs): a right-padded prefill cannot be continued.
 *
 * @param length how many earlier positions, padding included
 * @param keys per layer, the rotated keys
 * @param values per layer, the values
 * @param pads per row, how many leading positions are padding; empty when no row is padded
 * @since 0.2
 */
@Stable
public record PastKeyValues(int length, NDArray[] keys, NDArray[] values, int[] pads) {
    /** Validates the arrays' count and the padding. */
    public PastKeyValues {
        requireNonNull(keys, "keys is null");
        requireNonNull(values, "values is null");
        requireNonNull(pads, "pads is null");
        if (keys.length != values.length) {
            throw new IllegalArgumentException("keys and values must have one entry per layer");
        }
        if (length < 1) {
            throw new IllegalArgumentException("past length must be at least 1");
        }
        for (int b = 0; b < pads.length; b++) {
            if (pads[b] < 0 || pads[b] >= length) {
                throw new IllegalArgumentException("row " + b + " of the past has " + pads[b] + " pad positions; allowed 0.."
                        + (length - 1) + " (every row keeps at least one real position of " + length + ")");
            }
        }
        keys = keys.clone();
        values = values.clone();
        pads = pads.clone();
    }

    /**
     * Keys and values of earlier positions that no row pads.
     *
     * @param length how many earlier positions
     * @param keys per layer, the rotated keys
     * @param values per layer, the values
     */
    public PastKeyValues(int length, NDArray[] keys, NDArray[] values) {
        this(length, keys, values, new int[0]);
    }

    /**
     * Returns these keys and values with leading padding per row.
     *
     * @param leading per row, how many leading positions are padding (e.g. a left-padded prefill's
     *     {@link BatchLayout#offsets()})
     * @return a new past over the same arrays
     * @since 0.4
     */
    public PastKeyValues withPads(int[] leading) {
        return new PastKeyValues(length, keys, values, leading);
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    /**
     * Returns how many leading positions of a row are padding.
     *
     * @param row the batch row
     * @return 0 when no row is padded
     * @since 0.4
     */
    public int pad(int row) {
        return pads.length == 0 ? 0 : pads[row];
    }

    /**
     * Returns whether some row has padding.
     *
     * @return true when some pad count is not 0
     * @since 0.4
     */
    public boolean padded() {
        for (int pad : pads) {
            if (pad != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public NDArray[] keys() {
        return keys.clone();
    }

    @Override
    public NDArray[] values() {
        return values.clone();
    }

    /**
     * Returns one layer's keys.
     *
     * @param layer the layer
     * @return {@code [1 or batch, length, kv_heads, d_head]}
     */
    public NDArray key(int layer) {
        return keys[layer];
    }

    /**
     * Returns one layer's values.
     *
     * @param layer the layer
     * @return {@code [1 or batch, length, kv_heads, d_head]}
     */
    public NDArray value(int layer) {
        return values[layer];
    }

    /**
     * Checks the arrays against a model and a batch.
     *
     * @param config the model
     * @param startLayer the first layer the forward computes
     * @param batch the forward's rows
     */
    public void check(ModelConfig config, int startLayer, int batch) {
        if (pads.length != 0 && pads.length != batch) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values have pads for " + pads.length + " rows; the forward has "
                    + batch + " rows");
        }
        if (keys.length != config.numLayers()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values have " + keys.length
                    + " layers; the model has " + config.numLayers());
        }
        for (int layer = startLayer; layer < config.numLayers(); layer++) {
            for (NDArray array : new NDArray[] {keys[layer], values[layer]}) {
                if (array == null) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values of layer " + layer
                            + " are missing; a forward from layer " + startLayer + " reads every later layer's");
                }
                long[] shape = array.getShape().getShape();
                boolean ok = shape.length == 4 && (shape[0] == 1 || shape[0] == batch) && shape[1] == length
                        && shape[2] == config.numKvHeads() && shape[3] == config.headDim();
                if (ok && pads.length > 0 && shape[0] != batch) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values of layer " + layer + " have batch " + shape[0]
                            + " but pads for " + pads.length + " rows; padded keys and values need one row per forward row (" + batch + ")");
                }
                if (!ok) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values of layer " + layer + " have shape "
                            + array.getShape() + "; expected [1 or " + batch + ", " + length + ", " + config.numKvHeads() + ", "
                            + config.headDim() + "]");
                }
            }
        }
    }
}
