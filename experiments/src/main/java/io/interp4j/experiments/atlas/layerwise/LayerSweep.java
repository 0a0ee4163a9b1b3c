package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.Stats;
import java.util.List;

/**
 * One kind of ablation at every layer on every prompt, as a block of a forward plan: {@code layers ×
 * prompts} requests, prompt by prompt, each reading the last position's logits; KL(clean ‖ ablated) in
 * nats at the last position.
 *
 * @param first the index of the block's first request in its plan
 * @param layers the model's depth
 * @param prompts the number of prompts
 */
public record LayerSweep(int first, int layers, int prompts) {

    /** What one (layer, prompt) forward installs. */
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
         * Called for each forward, prompt by prompt, layer by layer.
         *
         * @param layer the layer ablated
         * @param prompt the prompt's index
         * @param logits the last position's logits
         */
        void seen(int layer, int prompt, float[] logits);
    }

    /**
     * Adds the sweep's requests to a plan.
     *
     * @param plan the plan
     * @param model the model's key
     * @param prompts the prompts' token ids
     * @param layers the model's depth
     * @param ablation what each forward installs
     * @return where the requests are
     */
    public static LayerSweep add(ForwardPlan.Builder plan, String model, List<int[]> prompts, int layers, Ablation ablation) {
        int first = plan.size();
        for (int p = 0; p < prompts.size(); p++) {
            for (int layer = 0; layer < layers; layer++) {
                plan.add(ForwardRequest.intervened(model, prompts.get(p), ablation.at(layer, p)));
            }
        }
        return new LayerSweep(first, layers, prompts.size());
    }

    /**
     * Returns the readout of one forward.
     *
     * @param readouts the plan's readouts
     * @param layer the layer ablated
     * @param prompt the prompt's index
     * @return its readout
     */
    public ForwardReadout at(List<ForwardReadout> readouts, int layer, int prompt) {
        return readouts.get(first + prompt * layers + layer);
    }

    /**
     * Measures the sweep.
     *
     * @param readouts the plan's readouts
     * @param clean each prompt's clean last-position logits
     * @param families each family's prompt indices
     * @param observer sees the ablated logits, or null
     * @param compare the study's comparisons
     * @return KL(clean ‖ ablated) by layer and prompt
     */
    public LayerProfile kl(List<ForwardReadout> readouts, List<float[]> clean, int[][] families, Observer observer,
            Comparisons compare) {
        double[][] values = new double[layers][prompts];
        for (int p = 0; p < prompts; p++) {
            for (int layer = 0; layer < layers; layer++) {
                float[] logits = at(readouts, layer, p).lastLogits();
                values[layer][p] = compare.kl(clean.get(p), logits);
                if (observer != null) {
                    observer.seen(layer, p, logits);
                }
            }
        }
        return new LayerProfile(values, families);
    }
}
