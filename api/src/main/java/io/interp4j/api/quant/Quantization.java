package io.interp4j.api.quant;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.util.List;
import io.interp4j.api.Stable;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.model.ModelConfig;

/**
 * The weight-only quantisation schemes. The linear layers of the blocks (q, k, v, o, gate, up, down
 * projections) are quantised; embeddings, norms and biases stay float32, as bitsandbytes leaves them,
 * and so does the unembedding, except under the fast modes ({@link #unembeddingScheme()}).
 *
 * <p>{@link #INT8} and {@link #NF4} are the faithful modes: every engine computes with the exact
 * float32 values the codes stand for ({@link QuantizedWeight#dequantize()}). {@link #Q8} and {@link
 * #Q4} are the fast modes: an engine may multiply the codes directly with activations quantised to
 * int8 per block ({@link #quantizesActivations()}), so their logits are near, not equal to, those of
 * the dequantised weights. {@link #LLM_INT8} is bitsandbytes' {@code Linear8bitLt} (LLM.int8, as
 * {@code load_in_8bit=True} runs it): it always quantises the activations, with float outlier
 * columns, so it is neither faithful to its dequantised weights nor an engine's choice.
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
    Q4,
    /**
     * LLM.int8 (Dettmers et al. 2022; bitsandbytes' {@code Linear8bitLt} at its default threshold):
     * int8 weights with one absmax per output row; at every product the input columns in which some
     * position of the sequence reaches {@value QuantizedWeight#LLM_INT8_THRESHOLD} in magnitude are
     * multiplied in float with the dequantised weight columns, the others are quantised to int8 per
     * position and multiplied with the int8 weights with integer accumulation. Config name {@code
     * llm-int8}. Engines choose the outlier columns per sequence, over its real positions only (each
     * batch row of a padded batch, each row of a batched decode step), so that a batch row computes what
     * the sequence computes alone at batch 1 without padding, where bitsandbytes' choice over all rows of
     * the call is the same choice.
     *
     * @since 0.5
     */
    LLM_INT8;

    /**
     * Parses a scheme name.
     *
     * @param name one of {@link #configNames()}
     * @param where where the name was found, for messages
     * @return the scheme
     */
    public static Quantization parse(String name, String where) {
        for (Quantization q : values()) {
            if (q.configName().equals(name)) {
                return q;
            }
        }
        throw new Interp4jException(List.of(new Problem(where, "unknown quantization '" + name + "'; allowed: " + configNames())));
    }

    /**
     * Returns every scheme's config name, for messages.
     *
     * @return {@code none, int8, nf4, q8, q4, llm-int8}
     * @since 0.5
     */
    public static String configNames() {
        return java.util.Arrays.stream(values()).map(Quantization::configName).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Returns the name used in configuration and on the command line: the lowercase constant name,
     * with {@code -} for {@code _}.
     *
     * @return e.g. {@code nf4}, {@code llm-int8}
     */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Returns whether engines may compute with activations quantised to int8 instead of with the
     * dequantised weights.
     *
     * @return true for {@link #Q8} and {@link #Q4}; false for {@link #LLM_INT8}, whose activation
     *     quantisation is part of the scheme, not an engine's liberty
     * @since 0.2
     */
    public boolean quantizesActivations() {
        return this == Q8 || this == Q4;
    }

    /**
     * Returns how the unembedding is quantised: {@link #Q8} under the fast modes ({@link #Q8} and
     * {@link #Q4}, as llama.cpp quantises its output matrix too: at 8 bits in its Q8_0 models and at 6
     * in its 4-bit ones), {@link #NONE} otherwise. A decode step reads the whole unembedding: at
     * Qwen2.5-0.5B a float32 unembedding would cap what {@code q8} saves in bytes read per token at
     * about 2.1× (3.8× with it quantised). The quantised copy is the unembedding's alone: with tied
     * embeddings the embedding lookup still reads the float32 table.
     *
     * @return {@link #Q8} for {@link #Q8} and {@link #Q4}, else {@link #NONE}
     * @since 0.2
     */
    public Quantization unembeddingScheme() {
        return quantizesActivations() ? Q8 : NONE;
    }

    /**
     * Returns the scheme a checkpoint tensor is quantised with under this one: this scheme for the
     * blocks' projections ({@link #quantizes}), {@link #unembeddingScheme()} for the unembedding, else
     * {@link #NONE}. With tied embeddings the unembedding's name is the embedding table's, which the
     * lookup still reads in float32: the quantised copy is the unembedding's alone.
     *
     * @param tensorName the tensor name
     * @param config the architecture (whether the embeddings are tied)
     * @return the tensor's scheme
     * @since 0.2
     */
    public Quantization schemeFor(String tensorName, ModelConfig config) {
        if (quantizes(tensorName)) {
            return this;
        }
        return tensorName.equals(Qwen2Layout.unembedding(config)) ? unembeddingScheme() : NONE;
    }

    /**
     * Returns whether a checkpoint tensor is quantised under this scheme.
     *
     * @param tensorName the tensor name
     * @return true for the blocks' projection weights when the scheme is not NONE (the unembedding:
     *     {@link #unembeddingScheme()})
     */
    public boolean quantizes(String tensorName) {
        return this != NONE && tensorName.startsWith("model.layers.") && tensorName.endsWith("_proj.weight");
    }
}
