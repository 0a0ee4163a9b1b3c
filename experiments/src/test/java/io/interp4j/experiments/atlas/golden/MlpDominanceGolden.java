package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.experiments.atlas.layerwise.HandRuns;

/**
 * MLP dominance: the MLP profile recomputed with a hand-written hook that zeroes {@code hook_mlp_out}
 * of block L ({@link HandRuns#zeroMlp}), and the two hub profiles with block hooks: published
 * {@code hook_resid_post} zeroed, corrected {@code hook_resid_post} set to {@code hook_resid_pre} (the
 * contribution zeroed); plain double KL(clean ‖ ablated) at the last position, family means then their
 * mean. From them: the top MLP (argmax) and the runner-up, its KL, and the share top MLP KL / hub KL of
 * each protocol, with the text the table shows. The corrected top-MLP interval must hold its mean; the
 * share's interval (a bootstrap of a ratio) must be ordered.
 */
public final class MlpDominanceGolden implements GoldenRow {
    @Override
    public String settings() {
        // the defaults: suite families (split test), both protocols
        return "";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String model : GoldenAtlas.MODELS) {
            LayerRowsHand hand = new LayerRowsHand(atlas, model);
            double[] mlp = hand.profile(hand.mlpSweep());
            double[] output = hand.profile(hand.sweep((l, p) -> HandRuns.ZERO_OUTPUT));
            double[] contribution = hand.profile(hand.sweep((l, p) -> HandRuns.SKIP));
            int top = LayerRowsHand.clearArgmax(mlp, model + " MLP profile");
            for (String protocol : new String[] {"published", "corrected"}) {
                boolean published = protocol.equals("published");
                ledger.exact("mlp-dominance.top-layer", protocol, model, top);
                ledger.display("mlp-dominance.top-layer", protocol, model, "L" + top + " MLP, " + LayerRowsHand.number(mlp[top])
                        + second(mlp, top));
                ledger.number("mlp-dominance.top-kl", protocol, model, mlp[top], LayerRowsHand.tolerance(mlp[top]));
                ledger.display("mlp-dominance.top-kl", protocol, model, LayerRowsHand.number(mlp[top]));

                double[] hub = published ? output : contribution;
                int hubLayer = LayerRowsHand.clearArgmax(hub, model + " " + protocol + " hub profile");
                double share = mlp[top] / hub[hubLayer];
                ledger.number("mlp-dominance.share", protocol, model, share, LayerRowsHand.tolerance(share));
                String ratio = LayerRowsHand.number(mlp[top]) + " / " + LayerRowsHand.number(hub[hubLayer]) + " at L" + hubLayer;
                ledger.display("mlp-dominance.share", protocol, model, published ? "MLPs carry " + LayerRowsHand.percent(share) + " ("
                        + ratio + ", the layer-output ablation on this step's prompts; the original divided numbers from different prompt"
                        + " sets)" : "KL ratio " + LayerRowsHand.number(share) + " (top MLP / contribution hub, " + ratio + "; a ratio of"
                        + " two ablations' KLs, not a share of one effect)");
                if (published) {
                    LayerRowsHand.noInterval(ledger, "mlp-dominance.top-kl", protocol, model);
                    LayerRowsHand.noInterval(ledger, "mlp-dominance.share", protocol, model);
                } else {
                    LayerRowsHand.intervalHolds(ledger, "mlp-dominance.top-kl", protocol, model);
                    Ledger.Cell cell = ledger.cell("mlp-dominance.share", protocol, model);
                    assertThat(cell.ciLow()).as(cell.name() + " interval").isNotNull().isLessThanOrEqualTo(cell.ciHigh());
                }
            }
        }
    }

    /** The runner-up MLP: the largest other mean, the lowest layer among equals. */
    private static String second(double[] mlp, int top) {
        int second = -1;
        for (int l = 0; l < mlp.length; l++) {
            if (l != top && (second < 0 || mlp[l] > mlp[second])) {
                second = l;
            }
        }
        return second < 0 ? "" : "; second L" + second + " (" + LayerRowsHand.number(mlp[second]) + ")";
    }
}
