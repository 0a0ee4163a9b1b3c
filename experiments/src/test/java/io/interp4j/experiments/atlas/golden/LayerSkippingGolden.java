package io.interp4j.experiments.atlas.golden;

import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.atlas.layerwise.HandRuns.BlockEdit;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Layer skipping: the seed's ten configs rescaled by hand to each model's depth (layer l of the
 * 24-layer original becomes floor(l × layers / 24), duplicates dropped), and for every config and
 * prompt one forward with every layer of the config edited by a hand-written block hook: published
 * {@code hook_resid_post} zeroed, corrected {@code hook_resid_post} set to {@code hook_resid_pre} (a
 * true skip). Plain double KL(full ‖ skipped) and |top-5 ∩ top-5| / 5 at the last position, family
 * means then their mean. From them: how many configs keep 0% overlap, the KL range, and the best
 * config (highest overlap, lowest KL among equals) with its text; the corrected best's interval must
 * hold its mean.
 */
public final class LayerSkippingGolden implements GoldenRow {
    /** The original study's configs for a 24-layer model. */
    private static final int[][] SEED = {{15}, {4}, {8}, {4, 5, 6, 7, 8}, {4, 5, 6, 7, 8, 15}, {3, 4, 5}, {10, 11, 12}, {14, 15, 16},
        {4, 5, 8, 11, 15, 16}, {4, 5, 8, 10, 11, 14, 15, 16}};
    private static final int TOP_K = 5;

    @Override
    public String settings() {
        // the defaults: the seed configs (rescaled: 3 on main, 6 on deep), top-k 5, both protocols
        return "";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String model : GoldenAtlas.MODELS) {
            LayerRowsHand hand = new LayerRowsHand(atlas, model);
            List<int[]> configs = rescaled(hand.layers);
            for (String protocol : new String[] {"published", "corrected"}) {
                measure(ledger, hand, configs, protocol);
            }
        }
    }

    /** The seed configs on a shallow model (the golden models have fewer than 17 layers). */
    private static List<int[]> rescaled(int layers) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (int[] config : SEED) {
            Set<Integer> scaled = new TreeSet<>();
            for (int layer : config) {
                scaled.add(layer * layers / 24);
            }
            int[] c = scaled.stream().mapToInt(Integer::intValue).toArray();
            out.putIfAbsent(Arrays.toString(c), c);
        }
        return new ArrayList<>(out.values());
    }

    private static void measure(Ledger ledger, LayerRowsHand hand, List<int[]> configs, String protocol) {
        boolean published = protocol.equals("published");
        BlockEdit edit = published ? HandRuns.ZERO_OUTPUT : HandRuns.SKIP;
        double[] kl = new double[configs.size()];
        double[] overlap = new double[configs.size()];
        for (int c = 0; c < configs.size(); c++) {
            Map<Integer, BlockEdit> edits = new LinkedHashMap<>();
            for (int layer : configs.get(c)) {
                edits.put(layer, edit);
            }
            double[] klByPrompt = new double[hand.size()];
            double[] overlapByPrompt = new double[hand.size()];
            for (int p = 0; p < hand.size(); p++) {
                float[] skipped = HandRuns.last(hand.model, hand.tokens[p], edits);
                klByPrompt[p] = Independent.kl(hand.clean[p], skipped);
                overlapByPrompt[p] = Independent.topKOverlap(hand.clean[p], skipped, TOP_K);
            }
            kl[c] = hand.familyMean(klByPrompt);
            overlap[c] = hand.familyMean(overlapByPrompt);
        }
        String model = hand.name;
        int zero = (int) Arrays.stream(overlap).filter(o -> o == 0).count();
        ledger.exact("layer-skipping.zero-overlap", protocol, model, zero);
        ledger.display("layer-skipping.zero-overlap", protocol, model, "0% top-" + TOP_K + " overlap in " + zero + "/" + configs.size()
                + " configs");

        double min = Arrays.stream(kl).min().orElseThrow();
        double max = Arrays.stream(kl).max().orElseThrow();
        ledger.number("layer-skipping.kl-range", protocol, model, min, LayerRowsHand.tolerance(min));
        ledger.display("layer-skipping.kl-range", protocol, model, "KL " + LayerRowsHand.number(min) + "–" + LayerRowsHand.number(max));

        int best = 0;
        for (int c = 1; c < configs.size(); c++) {
            if (overlap[c] > overlap[best] || (overlap[c] == overlap[best] && kl[c] < kl[best])) {
                best = c;
            }
        }
        ledger.number("layer-skipping.best", protocol, model, overlap[best], 1e-12);
        ledger.display("layer-skipping.best", protocol, model, label(configs.get(best)) + ": " + LayerRowsHand.percent(overlap[best])
                + " top-" + TOP_K + " overlap, KL " + LayerRowsHand.number(kl[best]));
        if (published) {
            LayerRowsHand.noInterval(ledger, "layer-skipping.best", protocol, model);
        } else {
            LayerRowsHand.intervalHolds(ledger, "layer-skipping.best", protocol, model);
        }
    }

    /** Names a sorted config, runs of consecutive layers as ranges: {@code L0-2}, {@code L1,3}. */
    private static String label(int[] layers) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= layers.length; i++) {
            if (i == layers.length || layers[i] != layers[i - 1] + 1) {
                parts.add(start == i - 1 ? Integer.toString(layers[start]) : layers[start] + "-" + layers[i - 1]);
                start = i;
            }
        }
        return "L" + String.join(",", parts);
    }
}
