package io.interp4j.api.intervention;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ModelConfig;

/**
 * Where an intervention acts: a hook point, or the {@code blocks.{L}.contribution} of a block — what
 * block L adds to the residual stream ({@code hook_attn_out + hook_mlp_out}, which equals {@code
 * resid_post − resid_pre}). Zeroing a contribution is a true layer skip; zeroing {@code
 * blocks.{L}.hook_resid_post} instead replaces the whole residual stream after block L (the seed
 * study's "layer ablation").
 *
 * @since 0.1
 */
@Stable
public sealed interface Site {
    /** The pseudo hook name of a block's contribution. */
    String CONTRIBUTION = "contribution";

    /**
     * A hook point.
     *
     * @param point the hook point
     */
    record AtHook(HookPoint point) implements Site {
        /** Checks the point. */
        public AtHook {
            requireNonNull(point, "point is null");
        }

        @Override
        public String name() {
            return point.name();
        }

        @Override
        public int layer() {
            return point.layer();
        }
    }

    /**
     * What block {@code layer} adds to the residual stream.
     *
     * @param layer the block
     */
    record Contribution(int layer) implements Site {
        /** Checks the layer. */
        public Contribution {
            if (layer < 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "contribution layer must be >= 0, found " + layer);
            }
        }

        @Override
        public String name() {
            return "blocks." + layer + "." + CONTRIBUTION;
        }
    }

    /**
     * Returns the site's name.
     *
     * @return a hook point name or {@code blocks.{L}.contribution}
     */
    String name();

    /**
     * Returns the block, or −1 for model-wide hook points.
     *
     * @return the layer
     */
    int layer();

    /**
     * Parses a site name.
     *
     * @param name a hook point name or {@code blocks.{L}.contribution}
     * @return the site
     */
    static Site parse(String name) {
        requireNonNull(name, "name is null");
        String trimmed = name.trim();
        if (trimmed.startsWith("blocks.") && trimmed.endsWith("." + CONTRIBUTION)) {
            String number = trimmed.substring("blocks.".length(), trimmed.length() - CONTRIBUTION.length() - 1);
            if (number.matches("0|[1-9][0-9]{0,6}")) {
                return new Contribution(Integer.parseInt(number));
            }
        }
        try {
            return new AtHook(HookPoint.parse(trimmed));
        } catch (Interp4jException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown site '" + name
                    + "'; a site is a hook point or blocks.{L}.contribution. " + e.getMessage(), e);
        }
    }

    /**
     * Returns the residual stream after block {@code layer}.
     *
     * @param layer the block
     * @return {@code blocks.{layer}.hook_resid_post}
     */
    static Site layerOutput(int layer) {
        return new AtHook(HookPoint.block(layer, HookSite.RESID_POST));
    }

    /**
     * Checks that the site exists in a model.
     *
     * @param config the model
     */
    default void checkIn(ModelConfig config) {
        if (layer() >= config.numLayers()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "site '" + name() + "': layer " + layer()
                    + " is out of range; this model has layers 0.." + (config.numLayers() - 1));
        }
    }

    /**
     * Returns the hook point whose activation the site rewrites.
     *
     * @return the point itself, or {@code hook_resid_post} for a contribution
     */
    default HookPoint rewrittenPoint() {
        return this instanceof AtHook h ? h.point() : HookPoint.block(layer(), HookSite.RESID_POST);
    }

    /**
     * Returns the axis of the activation that holds heads, or −1.
     *
     * @return 2 for q/k/v/z and per-head result sites, 1 for attention scores and patterns, −1 otherwise
     */
    default int headAxis() {
        if (!(this instanceof AtHook h)) {
            return -1;
        }
        return switch (h.point().site()) {
            case ATTN_Q, ATTN_K, ATTN_V, ATTN_ROT_Q, ATTN_ROT_K, ATTN_Z, ATTN_RESULT -> 2;
            case ATTN_SCORES, ATTN_PATTERN -> 1;
            default -> -1;
        };
    }

    /**
     * Returns how many heads the head axis holds.
     *
     * @param config the model
     * @return query heads, key/value heads (k, v, rot_k), or 0 without a head axis
     */
    default int headCount(ModelConfig config) {
        if (headAxis() < 0) {
            return 0;
        }
        HookSite s = ((AtHook) this).point().site();
        return s == HookSite.ATTN_K || s == HookSite.ATTN_V || s == HookSite.ATTN_ROT_K ? config.numKvHeads() : config.numHeads();
    }

    /**
     * Returns the axis of the activation that holds (query) positions.
     *
     * @return 2 for attention scores and patterns, else 1
     */
    default int positionAxis() {
        return headAxis() == 1 ? 2 : 1;
    }

    /**
     * Returns the shape of one position's slice of the site's activation: the activation's shape
     * without its batch and (query) position axes.
     *
     * @param config the model
     * @return e.g. {@code [d_model]}, {@code [heads, d_head]} at {@code attn.hook_z}; at attention scores
     *     and patterns the key axis, whose length varies, is {@code -1}
     */
    default long[] featureShape(ModelConfig config) {
        long[] full = rewrittenPoint().shape(config, 1, 1, -1);
        long[] feature = new long[full.length - 2];
        int next = 0;
        for (int axis = 1; axis < full.length; axis++) {
            if (axis != positionAxis()) {
                feature[next++] = full[axis];
            }
        }
        return feature;
    }
}
