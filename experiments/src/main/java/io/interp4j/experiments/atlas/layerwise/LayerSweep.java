package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.experiments.atlas.Comparisons;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
         * Called for each forward, in the order the executor delivers them.
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

    /** Whether a request index of the plan is one of this sweep's. */
    private boolean covers(int index) {
        return index >= first && index < first + layers * prompts;
    }

    /**
     * KL(clean ‖ ablated) of a plan's sweeps, measured readout by readout as the plan's readouts stream
     * past (a sweep's last-position logits together would not fit in memory at a real vocabulary), in any
     * order.
     */
    public static final class Kl {
        private final List<LayerSweep> sweeps;
        private final Comparisons compare;
        private final Map<LayerSweep, double[][]> values = new HashMap<>();
        private final Map<LayerSweep, Observer> observers = new HashMap<>();

        /**
         * Starts measuring sweeps.
         *
         * @param sweeps the plan's sweeps
         * @param compare the study's comparisons
         */
        public Kl(Collection<LayerSweep> sweeps, Comparisons compare) {
            this.sweeps = List.copyOf(sweeps);
            this.compare = compare;
            this.sweeps.forEach(s -> values.put(s, new double[s.layers()][s.prompts()]));
        }

        /**
         * Shows a sweep's ablated logits to an observer as they arrive.
         *
         * @param sweep the sweep
         * @param observer sees each forward's last-position logits, in the executor's order
         * @return this
         */
        public Kl observe(LayerSweep sweep, Observer observer) {
            observers.put(sweep, observer);
            return this;
        }

        private LayerSweep sweepOf(int index) {
            for (LayerSweep sweep : sweeps) {
                if (sweep.covers(index)) {
                    return sweep;
                }
            }
            return null;
        }

        /**
         * Returns whether a request of the plan belongs to one of the sweeps.
         *
         * @param index the request's index in the plan
         * @return whether it does
         */
        public boolean covers(int index) {
            return sweepOf(index) != null;
        }

        /**
         * Returns the prompt a sweep request ablates.
         *
         * @param index the request's index in the plan
         * @return the prompt's index
         */
        public int prompt(int index) {
            LayerSweep sweep = sweepOf(index);
            if (sweep == null) {
                throw new IllegalArgumentException("request " + index + " is in no sweep");
            }
            return (index - sweep.first()) / sweep.layers();
        }

        /**
         * Measures one sweep request.
         *
         * @param index the request's index in the plan
         * @param logits its last-position logits
         * @param clean its prompt's clean last-position logits
         */
        public void accept(int index, float[] logits, float[] clean) {
            LayerSweep sweep = sweepOf(index);
            if (sweep == null) {
                throw new IllegalArgumentException("request " + index + " is in no sweep");
            }
            int prompt = (index - sweep.first()) / sweep.layers();
            int layer = (index - sweep.first()) % sweep.layers();
            values.get(sweep)[layer][prompt] = compare.kl(clean, logits);
            Observer observer = observers.get(sweep);
            if (observer != null) {
                observer.seen(layer, prompt, logits);
            }
        }

        /**
         * Returns a sweep's profile (once every request was measured).
         *
         * @param sweep the sweep
         * @param families each family's prompt indices
         * @return KL(clean ‖ ablated) by layer and prompt
         */
        public LayerProfile profile(LayerSweep sweep, int[][] families) {
            return new LayerProfile(values.get(sweep), families);
        }
    }
}
