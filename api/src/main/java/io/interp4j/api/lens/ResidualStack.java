package io.interp4j.api.lens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The residual stream at one position split into what wrote it: the embedding, then each block's
 * attention output and MLP output (TransformerLens' {@code decompose_resid}), or, with the attention
 * outputs split per head from {@code attn.hook_result}, the embedding, then each block's heads and MLP
 * output ({@code get_full_resid_decomposition}; Qwen2's {@code o_proj} has no bias, so the heads of a
 * block sum to its {@code hook_attn_out} and there is no bias term). The components sum to the stream
 * the final norm reads ({@code blocks.{n-1}.hook_resid_post}). {@link #applyFinalNorm} divides each
 * component by the final norm's cached scale ({@code ln_final.hook_scale}) and multiplies it by the
 * norm's weight ({@code apply_ln_to_stack}), and {@link #logitAttribution} projects the scaled
 * components on a token's unembedding column: the components' direct contributions to that logit,
 * which sum to the logit itself (Qwen2's unembedding has no bias). Arithmetic is in double.
 *
 * @param labels {@code embed}, {@code 0_attn_out}, {@code 0_mlp_out}, {@code 1_attn_out}, ... as
 *     TransformerLens labels them, with {@code L0H0}, {@code L0H1}, ... in place of {@code 0_attn_out}
 *     when split per head
 * @param components one {@code [d_model]} vector per label
 * @param residual the stream the final norm reads, {@code [d_model]}
 * @param scale the final norm's scale at this position, {@code ln_final.hook_scale}: {@code
 *     sqrt(mean(residual²) + eps)} unless a hook replaced it
 * @since 0.3
 */
@Experimental
public record ResidualStack(List<String> labels, double[][] components, double[] residual, double scale) {
    /** Checks the shapes and the scale, and copies. */
    public ResidualStack {
        labels = List.copyOf(requireNonNull(labels, "labels is null"));
        requireNonNull(components, "components is null");
        requireNonNull(residual, "residual is null");
        if (labels.size() != components.length) {
            throw new IllegalArgumentException(labels.size() + " labels for " + components.length + " components");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the final norm's scale must be positive and finite, found " + scale);
        }
        double[][] copies = new double[components.length][];
        for (int i = 0; i < components.length; i++) {
            if (components[i].length != residual.length) {
                throw new IllegalArgumentException("component '" + labels.get(i) + "' has " + components[i].length
                        + " features; the residual has " + residual.length);
            }
            copies[i] = components[i].clone();
        }
        components = copies;
        residual = residual.clone();
    }

    /**
     * Returns the hook points a decomposition by block reads: {@code hook_embed}, every block's {@code
     * hook_attn_out} and {@code hook_mlp_out}, the last block's {@code hook_resid_post} and {@code
     * ln_final.hook_scale}.
     *
     * @param config the model
     * @return the points, in forward order
     */
    public static List<HookPoint> points(ModelConfig config) {
        return points(config, false);
    }

    /**
     * Returns the hook points a decomposition reads.
     *
     * @param config the model
     * @param perHead whether attention is split per head ({@code attn.hook_result} in place of {@code
     *     hook_attn_out})
     * @return the points, in forward order
     */
    public static List<HookPoint> points(ModelConfig config, boolean perHead) {
        List<HookPoint> points = new ArrayList<>();
        points.add(HookPoint.global(HookSite.EMBED));
        for (int layer = 0; layer < config.numLayers(); layer++) {
            points.add(HookPoint.block(layer, perHead ? HookSite.ATTN_RESULT : HookSite.ATTN_OUT));
            points.add(HookPoint.block(layer, HookSite.MLP_OUT));
        }
        points.add(HookPoint.block(config.numLayers() - 1, HookSite.RESID_POST));
        points.add(HookPoint.global(HookSite.LN_FINAL_SCALE));
        return points;
    }

    /**
     * Reads the decomposition by block at one position of one row of a forward that cached {@link
     * #points(ModelConfig)}.
     *
     * @param result the forward
     * @param config the model
     * @param row the batch row
     * @param position the row's own position index (negative counts from its end: −1 is its last token)
     * @return the decomposition
     */
    public static ResidualStack of(ForwardResult result, ModelConfig config, int row, int position) {
        return of(result, config, row, position, false);
    }

    /**
     * Reads the decomposition at one position of one row of a forward that cached {@link #points(ModelConfig,
     * boolean)}.
     *
     * @param result the forward
     * @param config the model
     * @param row the batch row
     * @param position the row's own position index (negative counts from its end: −1 is its last token)
     * @param perHead whether attention is split per head
     * @return the decomposition
     */
    public static ResidualStack of(ForwardResult result, ModelConfig config, int row, int position, boolean perHead) {
        if (row < 0 || row >= result.layout().batch()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "row " + row + " is out of range; the forward has rows 0.."
                    + (result.layout().batch() - 1));
        }
        int[] index = result.layout().indices(row, Positions.of(position), 0);
        if (index.length != 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "position " + position + " is out of range for row " + row + " ("
                    + result.layout().lengths()[row] + " tokens)");
        }
        ActivationCache cache = result.cache();
        List<String> labels = new ArrayList<>();
        List<double[]> components = new ArrayList<>();
        for (HookPoint point : points(config, perHead).subList(0, 1 + 2 * config.numLayers())) {
            if (point.site() == HookSite.ATTN_RESULT) {
                // [head, d_model] at the position, one component per head
                double[] heads = vector(cache.get(point), row, index[0]);
                int d = config.hiddenSize();
                for (int head = 0; head < config.numHeads(); head++) {
                    labels.add("L" + point.layer() + "H" + head);
                    components.add(Arrays.copyOfRange(heads, head * d, (head + 1) * d));
                }
                continue;
            }
            labels.add(point.layer() < 0 ? "embed" : point.layer() + "_" + point.site().suffix().replace("hook_", ""));
            components.add(vector(cache.get(point), row, index[0]));
        }
        double[] residual = vector(cache.get(HookPoint.block(config.numLayers() - 1, HookSite.RESID_POST)), row, index[0]);
        double scale = vector(cache.get(HookPoint.global(HookSite.LN_FINAL_SCALE)), row, index[0])[0];
        return new ResidualStack(labels, components.toArray(double[][]::new), residual, scale);
    }

    /** What an activation holds at one row and position, flattened and widened to double. */
    private static double[] vector(NDArray activation, int row, int position) {
        try (NDArray slice = activation.get(row, position)) {
            float[] values = slice.toFloatArray();
            double[] out = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        }
    }

    @Override
    public double[][] components() {
        double[][] copies = new double[components.length][];
        for (int i = 0; i < components.length; i++) {
            copies[i] = components[i].clone();
        }
        return copies;
    }

    @Override
    public double[] residual() {
        return residual.clone();
    }

    /**
     * Divides each component by the final norm's scale of the whole stream and multiplies it by the
     * norm's weight, {@code c · w / scale} (TransformerLens' {@code apply_ln_to_stack}, which reads the
     * same cached {@code ln_final.hook_scale}). The scaled components sum to what {@code
     * ln_final.hook_normalized} holds at this position.
     *
     * @param finalNorm the final norm's weight, {@code [d_model]} ({@link Weights#finalNorm})
     * @return one scaled vector per label
     */
    public double[][] applyFinalNorm(float[] finalNorm) {
        if (finalNorm.length != residual.length) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the final norm's weight has " + finalNorm.length
                    + " features; the residual has " + residual.length);
        }
        double[][] scaled = new double[components.length][residual.length];
        for (int i = 0; i < components.length; i++) {
            for (int c = 0; c < residual.length; c++) {
                scaled[i][c] = components[i][c] / scale * finalNorm[c];
            }
        }
        return scaled;
    }

    /**
     * Returns each component's direct contribution to a token's logit: the scaled component dotted with
     * {@code W_U[:, token]}. They sum to the logit.
     *
     * @param weights the model's weights (final norm and unembedding)
     * @param token the token id
     * @return one value per label
     */
    public double[] logitAttribution(Weights weights, int token) {
        return logitAttribution(weights.finalNorm(), weights.unembedColumn(token));
    }

    /**
     * Returns each component's direct contribution along an unembedding direction: the component
     * through the final norm ({@link #applyFinalNorm}) dotted with {@code column}.
     *
     * @param finalNorm the final norm's weight, {@code [d_model]}
     * @param column a direction in the residual stream, {@code [d_model]}, e.g. {@code W_U[:, token]}
     * @return one value per label
     * @since 0.3
     */
    public double[] logitAttribution(float[] finalNorm, float[] column) {
        if (column.length != residual.length) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the unembedding column has " + column.length
                    + " features; the residual has " + residual.length);
        }
        double[][] scaled = applyFinalNorm(finalNorm);
        double[] out = new double[scaled.length];
        for (int i = 0; i < scaled.length; i++) {
            double sum = 0;
            for (int c = 0; c < column.length; c++) {
                sum += scaled[i][c] * column[c];
            }
            out[i] = sum;
        }
        return out;
    }

    /**
     * Returns each component's direct contribution to a logit difference, {@code logit(token) −
     * logit(other)}.
     *
     * @param weights the model's weights
     * @param token the token whose logit counts positively
     * @param other the token whose logit counts negatively
     * @return one value per label
     */
    public double[] logitDifferenceAttribution(Weights weights, int token, int other) {
        double[] plus = logitAttribution(weights, token);
        double[] minus = logitAttribution(weights, other);
        for (int i = 0; i < plus.length; i++) {
            plus[i] -= minus[i];
        }
        return plus;
    }
}
