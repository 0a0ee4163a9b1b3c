package io.interp4j.probes.common;

import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.hook.HookPoint;
import java.util.Collection;
import java.util.List;

/**
 * Runs prompts one at a time (batch 1, no padding, as the seed study did), each in its own {@link Run}
 * that is closed before the next starts, so a sweep holds the native memory of one forward at most.
 */
public final class PromptRuns {
    private PromptRuns() {}

    /** Reads what one prompt's forward produced; the arrays are freed when it returns. */
    @FunctionalInterface
    public interface Reader {
        /**
         * Reads one forward.
         *
         * @param index the prompt's index in its set
         * @param tokens the prompt
         * @param result the logits and the cached activations
         */
        void read(int index, int[] tokens, ForwardResult result);
    }

    /**
     * Runs every prompt, caching the given hook points.
     *
     * @param model the model
     * @param prompts the prompts
     * @param points the hook points to cache
     * @param reader called once per prompt, in order, while the run is open
     */
    public static void forEach(Model model, List<int[]> prompts, Collection<HookPoint> points, Reader reader) {
        for (int i = 0; i < prompts.size(); i++) {
            int[] tokens = prompts.get(i);
            try (Run run = model.newRun()) {
                run.cache(points);
                reader.read(i, tokens, run.forward(tokens));
            }
        }
    }
}
