package io.interp4j.api.checkpoint;

import io.interp4j.api.Internal;
import io.interp4j.api.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensor names and shapes of a Hugging Face {@code Qwen2ForCausalLM} checkpoint.
 *
 * @since 0.1
 */
@Internal
public final class Qwen2Layout {
    /** The token embedding. */
    public static final String EMBED = "model.embed_tokens.weight";
    /** The final RMSNorm weight. */
    public static final String FINAL_NORM = "model.norm.weight";
    /** The unembedding; absent when embeddings are tied. */
    public static final String LM_HEAD = "lm_head.weight";

    private Qwen2Layout() {}

    /**
     * Returns the name of a per-layer tensor.
     *
     * @param layer the block index
     * @param suffix e.g. {@code self_attn.q_proj.weight}
     * @return {@code model.layers.{layer}.{suffix}}
     */
    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /**
     * Returns every tensor a checkpoint of this config must hold, with its shape, in load order.
     * {@link #LM_HEAD} is listed only for untied models.
     *
     * @param config the architecture
     * @return name to shape
     */
    public static Map<String, long[]> expectedShapes(ModelConfig config) {
        long d = config.hiddenSize();
        long q = (long) config.numHeads() * config.headDim();
        long kv = (long) config.numKvHeads() * config.headDim();
        long mlp = config.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED, new long[] {config.vocabSize(), d});
        for (int i = 0; i < config.numLayers(); i++) {
            shapes.put(layer(i, "input_layernorm.weight"), new long[] {d});
            shapes.put(layer(i, "self_attn.q_proj.weight"), new long[] {q, d});
            shapes.put(layer(i, "self_attn.q_proj.bias"), new long[] {q});
            shapes.put(layer(i, "self_attn.k_proj.weight"), new long[] {kv, d});
            shapes.put(layer(i, "self_attn.k_proj.bias"), new long[] {kv});
            shapes.put(layer(i, "self_attn.v_proj.weight"), new long[] {kv, d});
            shapes.put(layer(i, "self_attn.v_proj.bias"), new long[] {kv});
            shapes.put(layer(i, "self_attn.o_proj.weight"), new long[] {d, q});
            shapes.put(layer(i, "post_attention_layernorm.weight"), new long[] {d});
            shapes.put(layer(i, "mlp.gate_proj.weight"), new long[] {mlp, d});
            shapes.put(layer(i, "mlp.up_proj.weight"), new long[] {mlp, d});
            shapes.put(layer(i, "mlp.down_proj.weight"), new long[] {d, mlp});
        }
        shapes.put(FINAL_NORM, new long[] {d});
        if (!config.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {config.vocabSize(), d});
        }
        return shapes;
    }

    /**
     * Returns the name of the unembedding tensor for this config.
     *
     * @param config the architecture
     * @return {@link #EMBED} when tied, else {@link #LM_HEAD}
     */
    public static String unembedding(ModelConfig config) {
        return config.tieWordEmbeddings() ? EMBED : LM_HEAD;
    }
}
