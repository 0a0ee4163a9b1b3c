package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.util.Arrays;
import java.util.Locale;

/**
 * Early exit: every layer's exit logits recomputed in double from the weights read out of the
 * checkpoint ({@code lm_head} and the final RMSNorm) applied to the last row of that layer's
 * {@code hook_resid_post} (read with {@link HandRuns#residPost}): published without the norm, the
 * last layer's exit being the model's own logits ({@code last-layer-full-logits}, the default),
 * corrected with it (the logit lens). Per layer: argmax agreement with the model, plain double
 * KL(full ‖ exit), family means then their mean; the earliest layer reaching 0.9 agreement, the
 * speed-up {@code layers / (earliest + 1)} as a ratio of layer counts, the last exit before the final
 * layer, the agreement range over the early layers and the final layer, each with its text; the
 * corrected intervals must hold their means.
 */
public final class EarlyExitGolden implements GoldenRow {
    private static final double THRESHOLD = 0.9;

    @Override
    public String settings() {
        // the defaults, written out because the check depends on them
        return "agreement-threshold = " + THRESHOLD + ", last-layer-full-logits = true, top-k = 5";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String model : GoldenAtlas.MODELS) {
            LayerRowsHand hand = new LayerRowsHand(atlas, model);
            float[][][] raw = HandRuns.exitLogits(hand.model, hand.tokens, false);
            float[][][] lens = HandRuns.exitLogits(hand.model, hand.tokens, true);
            protocol(ledger, hand, "published", raw);
            protocol(ledger, hand, "corrected", lens);
        }
    }

    private static void protocol(Ledger ledger, LayerRowsHand hand, String protocol, float[][][] exits) {
        boolean corrected = protocol.equals("corrected");
        String model = hand.name;
        int layers = hand.layers;
        double[] agreement = new double[layers];
        double[] kl = new double[layers];
        for (int l = 0; l < layers; l++) {
            double[] agree = new double[hand.size()];
            double[] divergence = new double[hand.size()];
            for (int p = 0; p < hand.size(); p++) {
                float[] full = hand.clean[p];
                float[] exit = !corrected && l == layers - 1 ? full : exits[l][p];
                if (exit != full) {
                    clearTop(exit, model + " " + protocol + " L" + l + " prompt " + p);
                }
                agree[p] = LayerRowsHand.argmax(exit) == LayerRowsHand.argmax(full) ? 1 : 0;
                // KL is never negative; float noise around an exit equal to the model's output must not print as -0.00
                divergence[p] = Math.max(0, Independent.kl(full, exit));
            }
            agreement[l] = hand.familyMean(agree);
            kl[l] = hand.familyMean(divergence);
        }

        int earliest = -1;
        for (int l = 0; l < layers && earliest < 0; l++) {
            earliest = agreement[l] >= THRESHOLD ? l : -1;
        }
        if (earliest >= 0) {
            double speedup = (double) layers / (earliest + 1);
            ledger.exact("early-exit.earliest", protocol, model, earliest);
            ledger.display("early-exit.earliest", protocol, model, "L" + earliest + " (speed-up " + String.format(Locale.ROOT, "%.2f",
                    speedup) + "×): " + LayerRowsHand.percent(agreement[earliest]) + " argmax, KL " + LayerRowsHand.number(kl[earliest]));
            // a layer index has no interval (the agreement's is on last-exit)
            LayerRowsHand.noInterval(ledger, "early-exit.earliest", protocol, model);
            ledger.number("early-exit.speedup", protocol, model, speedup, 1e-12);
            ledger.display("early-exit.speedup", protocol, model, String.format(Locale.ROOT, "%.2f×", speedup));
        } else {
            ledger.exact("early-exit.earliest", protocol, model, "none");
            ledger.display("early-exit.earliest", protocol, model, "no layer reaches " + LayerRowsHand.percent(THRESHOLD)
                    + " argmax agreement");
            ledger.exact("early-exit.speedup", protocol, model, null);
            ledger.display("early-exit.speedup", protocol, model, "none");
        }

        int last = layers - 2;
        ledger.number("early-exit.last-exit", protocol, model, agreement[last], 1e-12);
        ledger.display("early-exit.last-exit", protocol, model, "L" + last + ": " + LayerRowsHand.percent(agreement[last]) + " argmax, KL "
                + LayerRowsHand.number(kl[last]));
        interval(ledger, "early-exit.last-exit", protocol, model, corrected, agreement[last]);

        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (int l = 0; l <= last; l++) {
            low = Math.min(low, agreement[l]);
            high = Math.max(high, agreement[l]);
        }
        ledger.number("early-exit.agreement-range", protocol, model, high, 1e-12);
        ledger.display("early-exit.agreement-range", protocol, model, LayerRowsHand.percent(low) + "–" + LayerRowsHand.percent(high)
                + " argmax over L0–L" + last);

        int finalLayer = layers - 1;
        ledger.number("early-exit.final-layer", protocol, model, agreement[finalLayer], 1e-12);
        ledger.display("early-exit.final-layer", protocol, model, "L" + finalLayer + ": " + LayerRowsHand.percent(agreement[finalLayer])
                + " argmax, KL " + LayerRowsHand.number(kl[finalLayer]) + (corrected ? " (logit lens)" : " (the model's own logits)"));
    }

    /** The exit logits, computed here in double, must not have a near-tie for their argmax with the engine's float ones. */
    private static void clearTop(float[] logits, String what) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        assertThat(sorted[sorted.length - 1] - sorted[sorted.length - 2]).as(what + ": no near-tie for the exit's argmax")
                .isGreaterThan(1e-5f);
    }

    /** Corrected agreement cells carry a bootstrap interval that holds the agreement; published ones none. */
    private static void interval(Ledger ledger, String key, String protocol, String model, boolean corrected, double agreement) {
        if (corrected) {
            LayerRowsHand.intervalHolds(ledger, key, protocol, model, agreement);
        } else {
            LayerRowsHand.noInterval(ledger, key, protocol, model);
        }
    }
}
