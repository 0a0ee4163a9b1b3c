package io.interp4j.experiments.atlas;

import java.util.ArrayList;
import java.util.List;

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
}
