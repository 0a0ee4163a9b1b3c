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
 * @param length how many earlier positions
 * @param keys per layer, the rotated keys
 * @param values per layer, the values
 * @since 0.2
 */
@Stable
public record PastKeyValues(int length, NDArray[] keys, NDArray[] values) {
    /** Validates the arrays' count. */
    public PastKeyValues {
        requireNonNull(keys, "keys is null");
        requireNonNull(values, "values is null");
        if (keys.length != values.length) {
            throw new IllegalArgumentException("keys and values must have one entry per layer");
        }
        if (length < 1) {
            throw new IllegalArgumentException("past length must be at least 1");
        }
        keys = keys.clone();
        values = values.clone();
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
                if (!ok) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "past keys/values of layer " + layer + " have shape "
                            + array.getShape() + "; expected [1 or " + batch + ", " + length + ", " + config.numKvHeads() + ", "
                            + config.headDim() + "]");
                }
            }
        }
    }
}
