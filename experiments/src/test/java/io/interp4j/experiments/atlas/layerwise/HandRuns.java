package io.interp4j.experiments.atlas.layerwise;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forwards with hand-written Java hooks, for checking the atlas rows without their code paths: edits
 * are plain float arrays, {@code [pos × d_model]} row-major, of one batch row.
 */
public final class HandRuns {
    private HandRuns() {}

    /** Rewrites block L's output from its input and output. */
    @FunctionalInterface
    public interface BlockEdit {
        /**
         * Returns the new {@code hook_resid_post}.
         *
         * @param pre {@code hook_resid_pre}
         * @param post {@code hook_resid_post}
         * @param positions the positions
         * @param hidden d_model
         * @return the replacement, as long as {@code post}
         */
        float[] apply(float[] pre, float[] post, int positions, int hidden);
    }

    /** Zeroes the whole residual stream after the block. */
    public static final BlockEdit ZERO_OUTPUT = (pre, post, positions, hidden) -> new float[post.length];
    /** Lets the residual stream pass the block unchanged (its contribution zeroed). */
    public static final BlockEdit SKIP = (pre, post, positions, hidden) -> pre.clone();

    /**
     * Replaces the block's contribution: the residual stream leaves the block as its input plus {@code
     * contribution} (e.g. another model's {@code resid_post − resid_pre} on the same prompt).
     *
     * @param contribution {@code [pos × d_model]}
     * @return the edit
     */
    public static BlockEdit contribution(float[] contribution) {
        return (pre, post, positions, hidden) -> {
            float[] out = new float[post.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = pre[i] + contribution[i];
            }
            return out;
        };
    }

    /**
     * Runs a prompt with block edits and returns the last position's logits.
     *
     * @param model the model
     * @param tokens the prompt
     * @param edits by layer
     * @return the logits
     */
    public static float[] last(Model model, int[] tokens, Map<Integer, BlockEdit> edits) {
        try (Run run = model.newRun()) {
            edits.forEach((layer, edit) -> {
                float[][] pre = new float[1][];
                run.observe(HookPoint.block(layer, HookSite.RESID_PRE), (a, c) -> pre[0] = a.toFloatArray());
                run.hook(HookPoint.block(layer, HookSite.RESID_POST), (a, c) -> {
                    long[] shape = a.getShape().getShape();
                    float[] out = edit.apply(pre[0], a.toFloatArray(), (int) shape[1], (int) shape[2]);
                    return a.getManager().create(out, a.getShape());
                });
            });
            return lastRow(run.forward(tokens));
        }
    }

    /**
     * Runs a prompt with the activation at one hook point edited in place, as a flat float array.
     *
     * @param model the model
     * @param tokens the prompt
     * @param point the hook point
     * @param edit rewrites the activation's values
     * @return the logits of the last position
     */
    public static float[] lastEdited(Model model, int[] tokens, HookPoint point, java.util.function.Consumer<float[]> edit) {
        try (Run run = model.newRun()) {
            run.hook(point, (a, c) -> {
                float[] x = a.toFloatArray();
                edit.accept(x);
                return a.getManager().create(x, a.getShape());
            });
            return lastRow(run.forward(tokens));
        }
    }

    /**
     * Runs a prompt with the MLP output of a block zeroed.
     *
     * @param model the model
     * @param tokens the prompt
     * @param layer the block
     * @return the logits of the last position
     */
    public static float[] zeroMlp(Model model, int[] tokens, int layer) {
        try (Run run = model.newRun()) {
            run.hook(HookPoint.block(layer, HookSite.MLP_OUT), (a, c) -> a.getManager().create(new float[(int) a.size()], a.getShape()));
            return lastRow(run.forward(tokens));
        }
    }

    /**
     * Reads every block's {@code hook_resid_post − hook_resid_pre} on a clean run.
     *
     * @param model the model
     * @param tokens the prompt
     * @return {@code [layer][pos × d_model]}
     */
    public static float[][] contributions(Model model, int[] tokens) {
        int layers = model.config().numLayers();
        try (Run run = model.newRun()) {
            List<HookPoint> points = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                points.add(HookPoint.block(l, HookSite.RESID_PRE));
                points.add(HookPoint.block(l, HookSite.RESID_POST));
            }
            run.cache(points);
            ForwardResult result = run.forward(tokens);
            float[][] out = new float[layers][];
            for (int l = 0; l < layers; l++) {
                float[] pre = result.cache().get(HookPoint.block(l, HookSite.RESID_PRE)).toFloatArray();
                float[] post = result.cache().get(HookPoint.block(l, HookSite.RESID_POST)).toFloatArray();
                out[l] = new float[post.length];
                for (int i = 0; i < post.length; i++) {
                    out[l][i] = post[i] - pre[i];
                }
            }
            return out;
        }
    }

    /**
     * Reads every block's {@code hook_resid_post} on a clean run.
     *
     * @param model the model
     * @param tokens the prompt
     * @return {@code [layer][pos × d_model]}
     */
    public static float[][] residPost(Model model, int[] tokens) {
        int layers = model.config().numLayers();
        try (Run run = model.newRun()) {
            List<HookPoint> points = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                points.add(HookPoint.block(l, HookSite.RESID_POST));
            }
            run.cache(points);
            ForwardResult result = run.forward(tokens);
            float[][] out = new float[layers][];
            for (int l = 0; l < layers; l++) {
                out[l] = result.cache().get(points.get(l)).toFloatArray();
            }
            return out;
        }
    }

    /**
     * Applies lm_head in double to the last row of every block's {@code hook_resid_post}, with or without
     * the final RMSNorm (weights read from the checkpoint): each layer's exit logits.
     *
     * @param model the model
     * @param prompts the prompts' tokens
     * @param finalNorm whether to apply the final norm first (the logit lens)
     * @return {@code [layer][prompt][vocab]}
     */
    public static float[][][] exitLogits(Model model, int[][] prompts, boolean finalNorm) {
        ModelConfig config = model.config();
        float[] unembedding;
        float[] norm;
        try (Checkpoint checkpoint = Checkpoint.open(model.directory())) {
            unembedding = checkpoint.readFloats(Qwen2Layout.unembedding(config));
            norm = checkpoint.readFloats(Qwen2Layout.FINAL_NORM);
        }
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        float[][][] out = new float[config.numLayers()][prompts.length][vocab];
        for (int p = 0; p < prompts.length; p++) {
            int last = prompts[p].length - 1;
            float[][] resid = residPost(model, prompts[p]);
            for (int l = 0; l < config.numLayers(); l++) {
                double[] x = new double[d];
                double squares = 0;
                for (int c = 0; c < d; c++) {
                    x[c] = resid[l][last * d + c];
                    squares += x[c] * x[c];
                }
                double scale = 1 / Math.sqrt(squares / d + config.rmsNormEps());
                for (int c = 0; c < d && finalNorm; c++) {
                    x[c] = norm[c] * (x[c] * scale);
                }
                for (int v = 0; v < vocab; v++) {
                    double sum = 0;
                    for (int c = 0; c < d; c++) {
                        sum += unembedding[v * d + c] * x[c];
                    }
                    out[l][p][v] = (float) sum;
                }
            }
        }
        return out;
    }

    private static float[] lastRow(ForwardResult result) {
        NDArray logits = result.logits();
        float[] all = logits.toFloatArray();
        int vocab = (int) logits.getShape().get(2);
        return Arrays.copyOfRange(all, all.length - vocab, all.length);
    }

    /**
     * Returns the mean of family means, computed plainly.
     *
     * @param values per prompt
     * @param families the prompts' family names
     * @return the mean
     */
    public static double familyMean(double[] values, List<String> families) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            double[] s = sums.computeIfAbsent(families.get(i), f -> new double[2]);
            s[0] += values[i];
            s[1]++;
        }
        return sums.values().stream().mapToDouble(s -> s[0] / s[1]).average().orElseThrow();
    }
}
