package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.experiment.Progress;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.experiments.atlas.Forwards;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Stats;
import java.util.List;

/**
 * Runs one kind of ablation at every layer on every prompt and measures KL(clean ‖ ablated) in nats at
 * the last position: {@code layers × prompts} forwards, prompt by prompt (so an ablation that reads
 * something per prompt, such as a resample source, computes it once).
 */
public final class LayerSweep {
    private LayerSweep() {}

    /** What to install for one (layer, prompt) forward. */
    @FunctionalInterface
    public interface Ablation {
        /**
         * Returns the interventions of one forward.
         *
         * @param layer the layer ablated
         * @param prompt the prompt's index
         * @return the interventions
         */
        List<Intervention> at(int layer, int prompt);
    }

    /** Sees the ablated logits of each forward. */
    @FunctionalInterface
    public interface Observer {
        /**
         * Called after each forward.
         *
         * @param layer the layer ablated
         * @param prompt the prompt's index
         * @param logits the last position's logits
         */
        void seen(int layer, int prompt, float[] logits);
    }

    /**
     * Runs the sweep.
     *
     * @param prompts the prompts and model
     * @param clean each prompt's clean last-position logits
     * @param ablation what to install
     * @param observer sees the ablated logits, or null
     * @param progress advanced by one per forward
     * @return KL(clean ‖ ablated) by layer and prompt
     */
    public static LayerProfile kl(PromptSet prompts, List<float[]> clean, Ablation ablation, Observer observer, Progress progress) {
        int layers = prompts.model().config().numLayers();
        double[][] values = new double[layers][prompts.size()];
        for (int p = 0; p < prompts.size(); p++) {
            for (int layer = 0; layer < layers; layer++) {
                float[] logits = Forwards.lastLogits(prompts.model(), prompts.tokens().get(p), progress, ablation.at(layer, p));
                values[layer][p] = Stats.kl(clean.get(p), logits);
                if (observer != null) {
                    observer.seen(layer, p, logits);
                }
            }
        }
        return new LayerProfile(values, prompts.families());
    }
}
