package io.interp4j.api.quant;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;

/**
 * The weight-only quantisation schemes. Only the linear layers of the blocks (q, k, v, o, gate, up,
 * down projections) are quantised; embeddings, norms, biases and the unembedding stay float32, as
 * bitsandbytes leaves them.
 *
 * @since 0.1
 */
@Stable
public enum Quantization {
    /** Float32 weights. */
    NONE,
    /** int8, symmetric absmax per block of {@value QuantizedWeight#INT8_BLOCK} along the input dimension. */
    INT8,
    /** NF4, absmax per block of {@value QuantizedWeight#NF4_BLOCK} over the row-major weight (bitsandbytes' layout). */
    NF4;

    /**
     * Parses a scheme name.
     *
     * @param name {@code none}, {@code int8} or {@code nf4}
     * @param where where the name was found, for messages
     * @return the scheme
     */
    public static Quantization parse(String name, String where) {
        return switch (name) {
            case "none" -> NONE;
            case "int8" -> INT8;
            case "nf4" -> NF4;
            default -> throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": unknown quantization '" + name
                    + "'; allowed: none, int8, nf4");
        };
    }

    /**
     * Returns the lowercase name.
     *
     * @return e.g. {@code nf4}
     */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Returns whether a checkpoint tensor is quantised under this scheme.
     *
     * @param tensorName the tensor name
     * @return true for the blocks' projection weights when the scheme is not NONE
     */
    public boolean quantizes(String tensorName) {
        return this != NONE && tensorName.startsWith("model.layers.") && tensorName.endsWith("_proj.weight");
    }
}
