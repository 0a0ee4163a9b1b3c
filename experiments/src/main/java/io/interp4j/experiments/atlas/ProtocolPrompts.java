package io.interp4j.experiments.atlas;

import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.plan.ForwardPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Which of a row's prompts each protocol averages over ({@link AtlasScope#averaged}): the corrected
 * protocol every prompt, the published one its selection ({@link PublishedPrompts}). A row runs a
 * protocol's own interventions on those prompts alone, since the others' values would enter no cell.
 *
 * @param averaged {@code [protocol index in the row's protocols][prompt]}
 */
public record ProtocolPrompts(boolean[][] averaged) {
    /**
     * Returns whether a protocol averages over a prompt.
     *
     * @param protocol the protocol's index in the row's protocols
     * @param prompt the prompt's index
     * @return true when it does
     */
    public boolean averages(int protocol, int prompt) {
        return averaged[protocol][prompt];
    }

    /**
     * Returns which prompts any protocol averages over: those a row's shared forwards (clean runs, sources
     * of patches) run on.
     *
     * @return per prompt
     */
    public boolean[] used() {
        boolean[] out = new boolean[averaged.length == 0 ? 0 : averaged[0].length];
        for (boolean[] protocol : averaged) {
            for (int t = 0; t < out.length; t++) {
                out[t] |= protocol[t];
            }
        }
        return out;
    }

    /**
     * Returns the requests of a row that patches every layer of a prompt under each protocol that averages
     * over it, in plan order: by prompt, then protocol, then layer.
     *
     * @param layers the model's layers
     * @return each {@code {prompt, protocol index, layer}}
     */
    public List<int[]> layerPatches(int layers) {
        List<int[]> out = new ArrayList<>();
        int prompts = averaged.length == 0 ? 0 : averaged[0].length;
        for (int t = 0; t < prompts; t++) {
            for (int p = 0; p < averaged.length; p++) {
                for (int l = 0; l < layers && averaged[p][t]; l++) {
                    out.add(new int[] {t, p, l});
                }
            }
        }
        return out;
    }

    /**
     * Runs a plan of {@link #layerPatches} requests (each reading the last position's logits) and measures each
     * as it arrives (a plan's patched logits together would not fit in memory at a real vocabulary):
     * KL(its prompt's reference ‖ patched).
     *
     * @param context the study
     * @param plan the requests, in {@link #layerPatches} order
     * @param progress where progress is reported
     * @param protocols the row's protocols, in order
     * @param layers the model's layers
     * @param reference a prompt's reference last-position logits
     * @param compare the study's comparisons
     * @return {@code [layer][prompt]} per protocol, NaN where the protocol does not average over the prompt
     */
    public Map<Protocol, double[][]> layerPatchKls(StudyContext context, ForwardPlan plan, Progress progress, List<Protocol> protocols,
            int layers, IntFunction<float[]> reference, Comparisons compare) {
        List<int[]> requests = layerPatches(layers);
        Map<Protocol, double[][]> kls = new EnumMap<>(Protocol.class);
        for (Protocol protocol : protocols) {
            double[][] values = new double[layers][averaged.length == 0 ? 0 : averaged[0].length];
            Arrays.stream(values).forEach(row -> Arrays.fill(row, Double.NaN));
            kls.put(protocol, values);
        }
        context.forwards(plan, progress, (i, readout) -> {
            int[] at = requests.get(i);
            kls.get(protocols.get(at[1]))[at[2]][at[0]] = compare.kl(reference.apply(at[0]), readout.lastLogits());
        });
        return kls;
    }
}
