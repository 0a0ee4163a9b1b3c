package io.interp4j.api.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.model.ModelConfig;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Set;
import java.util.TreeSet;

/**
 * A model's weights as its checkpoint stores them, by Hugging Face name ({@code [out, in]} for linear
 * layers), plus TransformerLens' two everyday ones: {@code W_U} ({@link #unembed}, {@code [d_model,
 * vocab]}) and the final norm's weight ({@link #finalNorm}, TransformerLens' {@code ln_final.w}).
 * bfloat16 and float16 storage is widened to float32.
 *
 * @since 0.3
 */
@Experimental
public final class Weights implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final ModelConfig config;
    private FloatBuffer unembedding;

    Weights(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        this.config = checkpoint.config();
    }

    /**
     * Returns every tensor name.
     *
     * @return the names, sorted
     */
    public Set<String> names() {
        return new TreeSet<>(checkpoint.tensorNames());
    }

    /**
     * Returns the name of a block's tensor.
     *
     * @param layer the block
     * @param suffix e.g. {@code self_attn.q_proj.weight} or {@code mlp.down_proj.weight}
     * @return e.g. {@code model.layers.0.self_attn.q_proj.weight}
     */
    public String layerName(int layer, String suffix) {
        if (layer < 0 || layer >= config.numLayers()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "layer " + layer + " is out of range; the model has layers 0.."
                    + (config.numLayers() - 1));
        }
        return Qwen2Layout.layer(layer, suffix);
    }

    /**
     * Returns a tensor's shape as stored.
     *
     * @param name a tensor name
     * @return the shape
     */
    public long[] shape(String name) {
        return checkpoint.info(known(name)).shape();
    }

    /**
     * Reads a tensor.
     *
     * @param name a tensor name, e.g. {@code model.layers.0.mlp.up_proj.weight}
     * @return its values, row-major as stored
     */
    public float[] floats(String name) {
        return checkpoint.readFloats(known(name));
    }

    /**
     * Reads one block's tensor.
     *
     * @param layer the block
     * @param suffix e.g. {@code self_attn.o_proj.weight}
     * @return its values, row-major as stored
     */
    public float[] layer(int layer, String suffix) {
        return floats(layerName(layer, suffix));
    }

    /**
     * Reads a tensor into an engine array.
     *
     * @param name a tensor name
     * @param manager the owner of the array
     * @return the array, shaped as stored
     */
    public NDArray array(String name, NDManager manager) {
        return manager.create(floats(name), new Shape(shape(name)));
    }

    /**
     * Returns the final RMSNorm's weight ({@code model.norm.weight}).
     *
     * @return {@code [d_model]}
     */
    public float[] finalNorm() {
        return floats(Qwen2Layout.FINAL_NORM);
    }

    /**
     * Returns the unembedding as TransformerLens lays it out, {@code W_U = lm_head.weightᵀ} (the
     * embedding for tied models).
     *
     * @param manager the owner of the array
     * @return {@code [d_model, vocab]}
     */
    public NDArray unembed(NDManager manager) {
        return array(Qwen2Layout.unembedding(config), manager).transpose();
    }

    /**
     * Returns one column of {@code W_U}: the direction whose dot product with the normed residual is a
     * token's logit.
     *
     * @param token the token id
     * @return {@code W_U[:, token]}, {@code [d_model]}
     */
    public synchronized float[] unembedColumn(int token) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + token + " is out of range; allowed 0.."
                    + (config.vocabSize() - 1));
        }
        if (unembedding == null) {
            unembedding = checkpoint.float32(Qwen2Layout.unembedding(config)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        float[] column = new float[config.hiddenSize()];
        unembedding.get(token * config.hiddenSize(), column);
        return column;
    }

    private String known(String name) {
        if (!checkpoint.tensorNames().contains(name)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, checkpoint.directory() + ": no tensor '" + name
                    + "'; names are Hugging Face's, e.g. " + Qwen2Layout.FINAL_NORM + ", " + Qwen2Layout.layer(0, "self_attn.q_proj.weight")
                    + " (names() lists all)");
        }
        return name;
    }

    /** Closes the checkpoint's files. */
    @Override
    public void close() {
        checkpoint.close();
    }
}
