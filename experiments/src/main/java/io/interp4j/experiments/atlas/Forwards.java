package io.interp4j.experiments.atlas;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forwards of the atlas rows: one raw prompt (no BOS, batch 1, no padding) in its own run, with
 * interventions, the last position's logits and any cached activations copied out before the run
 * closes, and the progress advanced by one per forward.
 */
public final class Forwards {
    private Forwards() {}

    /**
     * What one forward left: the last position's logits and the requested activations.
     *
     * @param logits the last position's logits, {@code [vocab]}
     * @param activations the cached activations by hook point, each {@code [1, pos, ...]}
     */
    public record Cached(float[] logits, Map<HookPoint, TensorData> activations) {
        /**
         * Returns one cached activation.
         *
         * @param point the hook point
         * @return its activation
         */
        public TensorData get(HookPoint point) {
            TensorData value = activations.get(point);
            if (value == null) {
                throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook point '" + point + "' was not cached; cached: "
                        + activations.keySet());
            }
            return value;
        }
    }

    /**
     * Encodes a prompt as raw text.
     *
     * @param tokenizer the model's tokenizer
     * @param text the prompt
     * @param where names the prompt in the error, e.g. {@code study.steps[2].settings: suite 'families' task 'cap-fr'}
     * @return the token ids, not empty
     */
    public static int[] encode(Tokenizer tokenizer, String text, String where) {
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": the prompt encodes to no tokens");
        }
        return ids;
    }

    /**
     * Runs one prompt and returns its last position's logits.
     *
     * @param model the model
     * @param tokens the prompt
     * @param progress advanced by one
     * @param interventions installed in order
     * @return the logits, {@code [vocab]}
     */
    public static float[] lastLogits(Model model, int[] tokens, Progress progress, List<Intervention> interventions) {
        return run(model, tokens, progress, interventions, List.of()).logits();
    }

    /**
     * Runs one prompt with interventions and a cache.
     *
     * @param model the model
     * @param tokens the prompt
     * @param progress advanced by one
     * @param interventions installed in order
     * @param points the hook points to cache (after the interventions there)
     * @return the last position's logits and the activations
     */
    public static Cached run(Model model, int[] tokens, Progress progress, List<Intervention> interventions, Collection<HookPoint> points) {
        try (Run run = model.newRun()) {
            for (Intervention intervention : interventions) {
                run.intervene(intervention);
            }
            if (!points.isEmpty()) {
                run.cache(points);
            }
            ForwardResult result = run.forward(tokens);
            long positions = result.logits().getShape().get(1);
            float[] logits = result.logits().get(new NDIndex("0, {}", positions - 1)).toFloatArray();
            Map<HookPoint, TensorData> activations = new LinkedHashMap<>();
            for (HookPoint point : points) {
                NDArray activation = result.cache().get(point);
                activations.put(point, TensorData.of(activation));
            }
            progress.advance(1);
            return new Cached(logits, activations);
        }
    }

    /**
     * Returns the last position's row of a cached activation {@code [1, pos, d]}.
     *
     * @param activation the activation
     * @return its last row, {@code [d]}
     */
    public static float[] lastRow(TensorData activation) {
        long[] shape = activation.shape();
        int width = (int) shape[shape.length - 1];
        float[] data = activation.data();
        return java.util.Arrays.copyOfRange(data, data.length - width, data.length);
    }
}
