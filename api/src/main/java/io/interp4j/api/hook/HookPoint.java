package io.interp4j.api.hook;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A named place in the forward pass where activations can be read or replaced, such as {@code
 * blocks.3.attn.hook_z}.
 *
 * @param site the kind of hook point
 * @param layer the block index, or {@code -1} for model-wide sites
 * @since 0.1
 */
@Stable
public record HookPoint(HookSite site, int layer) implements Comparable<HookPoint> {
    private static final String BLOCK_PREFIX = "blocks.";

    /** Validates that per-block sites carry a layer and model-wide sites do not. */
    public HookPoint {
        requireNonNull(site, "site is null");
        if (site.perBlock() && layer < 0) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, site.suffix() + " needs a layer >= 0, found " + layer);
        }
        if (!site.perBlock() && layer != -1) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, site.suffix() + " is model-wide; layer must be -1, found " + layer);
        }
    }

    /**
     * Returns a per-block hook point.
     *
     * @param layer the block
     * @param site a per-block site
     * @return the hook point
     */
    public static HookPoint block(int layer, HookSite site) {
        return new HookPoint(site, layer);
    }

    /**
     * Returns a model-wide hook point.
     *
     * @param site a model-wide site
     * @return the hook point
     */
    public static HookPoint global(HookSite site) {
        return new HookPoint(site, -1);
    }

    /**
     * Parses a TransformerLens hook name.
     *
     * @param name e.g. {@code blocks.0.hook_resid_post} or {@code hook_logits}
     * @return the hook point
     * @throws Interp4jException naming the input and listing the allowed names when it is unknown
     */
    public static HookPoint parse(String name) {
        requireNonNull(name, "name is null");
        String trimmed = name.trim();
        if (trimmed.startsWith(BLOCK_PREFIX)) {
            int dot = trimmed.indexOf('.', BLOCK_PREFIX.length());
            if (dot > 0) {
                String number = trimmed.substring(BLOCK_PREFIX.length(), dot);
                String suffix = trimmed.substring(dot + 1);
                if (number.matches("0|[1-9][0-9]{0,6}")) {
                    for (HookSite site : HookSite.values()) {
                        if (site.perBlock() && site.suffix().equals(suffix)) {
                            return block(Integer.parseInt(number), site);
                        }
                    }
                }
            }
        } else {
            for (HookSite site : HookSite.values()) {
                if (!site.perBlock() && site.suffix().equals(trimmed)) {
                    return global(site);
                }
            }
        }
        throw new Interp4jException(ErrorCode.HOOK_ERROR, "unknown hook point '" + name + "'; allowed: "
                + Arrays.stream(HookSite.values())
                        .map(s -> s.perBlock() ? BLOCK_PREFIX + "{L}." + s.suffix() : s.suffix())
                        .collect(Collectors.joining(", ")));
    }

    /**
     * Parses a hook name and checks that its layer exists in a model.
     *
     * @param name the hook name
     * @param config the model
     * @return the hook point
     */
    public static HookPoint parse(String name, ModelConfig config) {
        HookPoint point = parse(name);
        point.checkIn(config);
        return point;
    }

    /**
     * Checks that this hook point exists in a model.
     *
     * @param config the model
     * @throws Interp4jException naming the hook point and the allowed layers when it does not
     */
    public void checkIn(ModelConfig config) {
        if (site.perBlock() && layer >= config.numLayers()) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook point '" + name() + "': layer " + layer
                    + " is out of range; this model has layers 0.." + (config.numLayers() - 1));
        }
    }

    /**
     * Returns every hook point of a model, in forward order.
     *
     * @param config the model
     * @return all hook points
     */
    public static List<HookPoint> all(ModelConfig config) {
        List<HookPoint> points = new ArrayList<>();
        points.add(global(HookSite.EMBED));
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (HookSite site : HookSite.values()) {
                if (site.perBlock()) {
                    points.add(block(layer, site));
                }
            }
        }
        points.add(global(HookSite.LN_FINAL_SCALE));
        points.add(global(HookSite.LN_FINAL_NORMALIZED));
        points.add(global(HookSite.LOGITS));
        return List.copyOf(points);
    }

    /**
     * Returns the TransformerLens name.
     *
     * @return e.g. {@code blocks.3.attn.hook_z}
     */
    public String name() {
        return site.perBlock() ? BLOCK_PREFIX + layer + "." + site.suffix() : site.suffix();
    }

    /**
     * Returns the shape of the activation for a forward of {@code queries} new positions attending to
     * {@code keys} positions in total (equal to {@code queries} without a KV cache).
     *
     * @param config the model
     * @param batch the batch size
     * @param queries the number of positions computed in this call
     * @param keys the number of positions attended to
     * @return the shape
     */
    public long[] shape(ModelConfig config, long batch, long queries, long keys) {
        long d = config.hiddenSize();
        return switch (site) {
            case EMBED, RESID_PRE, LN1_NORMALIZED, ATTN_OUT, RESID_MID, LN2_NORMALIZED, MLP_OUT, RESID_POST,
                    LN_FINAL_NORMALIZED -> new long[] {batch, queries, d};
            case LN1_SCALE, LN2_SCALE, LN_FINAL_SCALE -> new long[] {batch, queries, 1};
            case ATTN_Q, ATTN_ROT_Q, ATTN_Z -> new long[] {batch, queries, config.numHeads(), config.headDim()};
            case ATTN_RESULT -> new long[] {batch, queries, config.numHeads(), d};
            case ATTN_K, ATTN_V, ATTN_ROT_K -> new long[] {batch, queries, config.numKvHeads(), config.headDim()};
            case ATTN_SCORES, ATTN_PATTERN -> new long[] {batch, config.numHeads(), queries, keys};
            case MLP_PRE, MLP_PRE_LINEAR, MLP_POST -> new long[] {batch, queries, config.intermediateSize()};
            case LOGITS -> new long[] {batch, queries, config.vocabSize()};
        };
    }

    /**
     * Returns the shape with symbolic batch and position dimensions, for listings.
     *
     * @param config the model
     * @return e.g. {@code [batch, pos, 896]} or {@code [batch, 14, query_pos, key_pos]}
     */
    public String symbolicShape(ModelConfig config) {
        long[] shape = shape(config, -1, -2, -3);
        return Arrays.stream(shape)
                .mapToObj(d -> d == -1 ? "batch" : d == -2 ? (site == HookSite.ATTN_SCORES || site == HookSite.ATTN_PATTERN ? "query_pos" : "pos")
                        : d == -3 ? "key_pos" : Long.toString(d))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public int compareTo(HookPoint other) {
        int byLayer = Integer.compare(orderKey(), other.orderKey());
        return byLayer != 0 ? byLayer : Integer.compare(site.ordinal(), other.site.ordinal());
    }

    private int orderKey() {
        return site == HookSite.EMBED ? -1 : site.perBlock() ? layer : Integer.MAX_VALUE;
    }

    @Override
    public String toString() {
        return name();
    }
}
