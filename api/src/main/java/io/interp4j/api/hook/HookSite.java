package io.interp4j.api.hook;

import io.interp4j.api.Stable;

/**
 * The kinds of hook point, named as in TransformerLens. Per-block sites are prefixed with {@code
 * blocks.{L}.}; the others are model-wide. Declared in forward order.
 *
 * @since 0.1
 */
@Stable
public enum HookSite {
    /** Token embeddings, {@code [batch, pos, d_model]}. */
    EMBED("hook_embed", false),
    /** The residual stream entering a block. */
    RESID_PRE("hook_resid_pre", true),
    /**
     * The input RMSNorm's scale per position, {@code sqrt(mean(x²) + eps)} over {@code d_model}, {@code
     * [batch, pos, 1]}: the norm divides the stream by it (TransformerLens' {@code hook_scale}).
     *
     * @since 0.3
     */
    LN1_SCALE("ln1.hook_scale", true),
    /** The input RMSNorm's output, {@code w · x / scale} (Hugging Face's; it includes the weight). */
    LN1_NORMALIZED("ln1.hook_normalized", true),
    /** Queries before RoPE, {@code [batch, pos, head, d_head]}. */
    ATTN_Q("attn.hook_q", true),
    /** Keys before RoPE, {@code [batch, pos, kv_head, d_head]}. */
    ATTN_K("attn.hook_k", true),
    /** Values, {@code [batch, pos, kv_head, d_head]}. */
    ATTN_V("attn.hook_v", true),
    /** Queries after RoPE. */
    ATTN_ROT_Q("attn.hook_rot_q", true),
    /** Keys after RoPE. */
    ATTN_ROT_K("attn.hook_rot_k", true),
    /** Scaled, causally masked scores before softmax, {@code [batch, head, q, k]}; masked entries are −∞. */
    ATTN_SCORES("attn.hook_attn_scores", true),
    /** Attention probabilities, {@code [batch, head, q, k]}. */
    ATTN_PATTERN("attn.hook_pattern", true),
    /** Per-head attention output before {@code o_proj}, {@code [batch, pos, head, d_head]}. */
    ATTN_Z("attn.hook_z", true),
    /**
     * Each head's output after {@code o_proj}, {@code [batch, pos, head, d_model]}: head {@code h}'s
     * {@code hook_z} slice times its {@code d_head} columns of {@code o_proj}. Computed only when
     * something reads or replaces it (TransformerLens' {@code use_attn_result}); then {@code
     * hook_attn_out} is its sum over heads (Qwen2's {@code o_proj} has no bias).
     *
     * @since 0.3
     */
    ATTN_RESULT("attn.hook_result", true),
    /** The attention block's output after {@code o_proj}. */
    ATTN_OUT("hook_attn_out", true),
    /** The residual stream between attention and MLP. */
    RESID_MID("hook_resid_mid", true),
    /**
     * The post-attention RMSNorm's scale per position, {@code [batch, pos, 1]}, as {@link #LN1_SCALE}.
     *
     * @since 0.3
     */
    LN2_SCALE("ln2.hook_scale", true),
    /** The post-attention RMSNorm's output. */
    LN2_NORMALIZED("ln2.hook_normalized", true),
    /** The gate projection, before the activation, {@code [batch, pos, d_mlp]}. */
    MLP_PRE("mlp.hook_pre", true),
    /** The up projection, {@code [batch, pos, d_mlp]}. */
    MLP_PRE_LINEAR("mlp.hook_pre_linear", true),
    /** {@code silu(gate) * up}, {@code [batch, pos, d_mlp]}. */
    MLP_POST("mlp.hook_post", true),
    /** The MLP's output after {@code down_proj}. */
    MLP_OUT("hook_mlp_out", true),
    /** The residual stream leaving a block. */
    RESID_POST("hook_resid_post", true),
    /**
     * The final RMSNorm's scale per position, {@code [batch, pos, 1]}, as {@link #LN1_SCALE}.
     *
     * @since 0.3
     */
    LN_FINAL_SCALE("ln_final.hook_scale", false),
    /** The final RMSNorm's output. */
    LN_FINAL_NORMALIZED("ln_final.hook_normalized", false),
    /** The logits, {@code [batch, pos, vocab]}. */
    LOGITS("hook_logits", false);

    private final String suffix;
    private final boolean perBlock;

    HookSite(String suffix, boolean perBlock) {
        this.suffix = suffix;
        this.perBlock = perBlock;
    }

    /**
     * Returns the name after the {@code blocks.{L}.} prefix (or the whole name for model-wide sites).
     *
     * @return e.g. {@code attn.hook_z}
     */
    public String suffix() {
        return suffix;
    }

    /**
     * Returns whether the site exists once per block.
     *
     * @return true for {@code blocks.{L}.*} sites
     */
    public boolean perBlock() {
        return perBlock;
    }
}
