package io.interp4j.api.quant;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.util.List;
import io.interp4j.api.Stable;

/**
 * The weight-only quantisation schemes. Only the linear layers of the blocks (q, k, v, o, gate, up,
 * down projections) are quantised; embeddings, norms, biases and the unembedding stay float32, as
 * bitsandbytes leaves them.
 *
 * <p>{@link #INT8} and {@link #NF4} are the faithful modes: every engine computes with the exact
 * float32 values the codes stand for ({@link QuantizedWeight#dequantize()}). {@link #Q8} and {@link
 * #Q4} are the fast modes: an engine may multiply the codes directly with activations quantised to
 * int8 per block ({@link #quantizesActivations()}), so their logits are near, not equal to, those of
 * the dequantised weights.
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
    NF4,
    /**
     * The codes of {@link #INT8}, computed with int8-quantised activations where the engine can.
     *
     * @since 0.2
     */
    Q8,
    /**
     * Uniform 4-bit, per block of {@value QuantizedWeight#Q4_BLOCK} inputs a scale and a zero point,
     * computed with int8-quantised activations where the engine can.
     *
     * @since 0.2
     */
    Q4;

    /**
     * Parses a scheme name.
     *
     * @param name {@code none}, {@code int8}, {@code nf4}, {@code q8} or {@code q4}
     * @param where where the name was found, for messages
     * @return the scheme
     */
    public static Quantization parse(String name, String where) {
        return switch (name) {
            case "none" -> NONE;
            case "int8" -> INT8;
            case "nf4" -> NF4;
            case "q8" -> Q8;
            case "q4" -> Q4;
            default -> throw new Interp4jException(List.of(new Problem(where, "unknown quantization '" + name
                    + "'; allowed: none, int8, nf4, q8, q4")));
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
     * Returns whether engines may compute with activations quantised to int8 instead of with the
     * dequantised weights.
     *
     * @return true for {@link #Q8} and {@link #Q4}
     * @since 0.2
     */
    public boolean quantizesActivations() {
        return this == Q8 || this == Q4;
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
