package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.atlas.layerwise.HandRuns.BlockEdit;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * Universal hub: every profile recomputed with hand-written block hooks on the engine's model
 * ({@link HandRuns}) and plain double KLs. Published: {@code hook_resid_post} of block L replaced by
 * zeros; corrected: {@code hook_resid_post} set to {@code hook_resid_pre} (the contribution zeroed),
 * to {@code hook_resid_pre} + the mean contribution over every position of every prompt (read from
 * clean runs), and to {@code hook_resid_pre} + the contribution of the source prompt (the task's
 * corrupt prompt, else the next task's clean prompt), aligned from the end. From the profiles: the hub
 * (argmax), its KL, the runners-up, the families whose own argmax is the hub, the other corrected
 * ablations' hubs and the lowest Spearman between every pair of the four profiles. The router: the
 * target's first-token log-prob drop with the hub's output row (published) or contribution row
 * (corrected) of the first / last position rewritten by hand. Intervals are checked to hold the mean.
 */
public final class UniversalHubGolden implements GoldenRow {
    private static final String[] METHODS = {"layer-output-zero", "contribution-zero", "contribution-mean", "contribution-resample"};

    @Override
    public String settings() {
        // the defaults: suite families (split test), target-rule first-token, both protocols; the run is small
        return "";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String model : GoldenAtlas.MODELS) {
            LayerRowsHand hand = new LayerRowsHand(atlas, model);
            double[][] zeroOutput = hand.sweep((l, p) -> HandRuns.ZERO_OUTPUT);
            double[][] zeroContribution = hand.sweep((l, p) -> HandRuns.SKIP);
            double[][] mean = hand.sweep(meanAblation(hand));
            double[][] resample = hand.sweep(resampleAblation(hand));
            protocol(ledger, hand, "published", zeroOutput);
            protocol(ledger, hand, "corrected", zeroContribution);
            otherHub(ledger, hand, "contribution-mean", mean);
            otherHub(ledger, hand, "contribution-resample", resample);
            rankAgreement(ledger, hand, List.of(hand.profile(zeroOutput), hand.profile(zeroContribution), hand.profile(mean),
                    hand.profile(resample)));
        }
    }

    /** The hub, its KL, runners-up, families and router of one protocol. */
    private static void protocol(Ledger ledger, LayerRowsHand hand, String protocol, double[][] values) {
        String model = hand.name;
        boolean corrected = protocol.equals("corrected");
        double[] profile = hand.profile(values);
        int hub = LayerRowsHand.clearArgmax(profile, model + " " + protocol + " KL profile");
        ledger.exact("universal-hub.layer", protocol, model, hub);
        // corrected: how often the hub is the largest layer in a bootstrap resample of the prompts
        ledger.display("universal-hub.layer", protocol, model, "L" + hub + ", " + LayerRowsHand.number(profile[hub]),
                corrected ? " \\(the hub in \\d{1,3}% of resamples\\)" : "");
        ledger.number("universal-hub.kl", protocol, model, profile[hub], LayerRowsHand.tolerance(profile[hub]));
        ledger.display("universal-hub.kl", protocol, model, LayerRowsHand.number(profile[hub]));
        interval(ledger, "universal-hub.kl", protocol, model, corrected);

        List<Integer> next = runnersUp(profile, hub);
        ledger.exact("universal-hub.next", protocol, model, next.get(0));
        ledger.display("universal-hub.next", protocol, model, "next " + next.stream()
                .map(l -> "L" + l + " (" + LayerRowsHand.number(profile[l]) + ")").collect(Collectors.joining(", ")));

        int families = hand.familiesWithArgmax(values, hub);
        ledger.exact("universal-hub.families", protocol, model, families);
        ledger.display("universal-hub.families", protocol, model, "argmax in " + families + " of " + hand.families.length + " families");

        for (boolean first : new boolean[] {true, false}) {
            String key = "universal-hub.router-" + (first ? "first" : "last");
            double drop = routerDrop(hand, hub, first, corrected);
            ledger.number(key, protocol, model, drop, LayerRowsHand.tolerance(drop));
            ledger.display(key, protocol, model, "L" + hub + " " + (first ? "first" : "last") + " position: " + LayerRowsHand.number(drop));
            interval(ledger, key, protocol, model, corrected);
        }
    }

    private static void interval(Ledger ledger, String key, String protocol, String model, boolean corrected) {
        if (corrected) {
            LayerRowsHand.intervalHolds(ledger, key, protocol, model);
        } else {
            LayerRowsHand.noInterval(ledger, key, protocol, model);
        }
    }

    /** The two layers after the hub by mean, the lower layer first among equals. */
    private static List<Integer> runnersUp(double[] profile, int hub) {
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < profile.length; l++) {
            if (l != hub) {
                order.add(l);
            }
        }
        order.sort((a, b) -> Double.compare(profile[b], profile[a]));
        return order.subList(0, Math.min(2, order.size()));
    }

    /** The hub of mean or resample ablation, with its KL. */
    private static void otherHub(Ledger ledger, LayerRowsHand hand, String method, double[][] values) {
        double[] profile = hand.profile(values);
        int hub = LayerRowsHand.clearArgmax(profile, hand.name + " " + method + " KL profile");
        String key = "universal-hub." + method + "-layer";
        ledger.exact(key, "corrected", hand.name, hub);
        ledger.display(key, "corrected", hand.name, "L" + hub + ", " + LayerRowsHand.number(profile[hub]));
    }

    /** The lowest Spearman between every pair of the four profiles, and every pair in the text. */
    private static void rankAgreement(Ledger ledger, LayerRowsHand hand, List<double[]> profiles) {
        double lowest = Double.POSITIVE_INFINITY;
        List<String> pairs = new ArrayList<>();
        for (int a = 0; a < profiles.size(); a++) {
            for (int b = a + 1; b < profiles.size(); b++) {
                double rho = Independent.spearman(profiles.get(a), profiles.get(b));
                lowest = Math.min(lowest, rho);
                pairs.add(METHODS[a] + " ~ " + METHODS[b] + " " + LayerRowsHand.number(rho));
            }
        }
        assertThat(lowest).as("a defined rank agreement on this model").isNotNaN();
        ledger.number("universal-hub.rank-agreement", "corrected", hand.name, lowest, 1e-9);
        ledger.display("universal-hub.rank-agreement", "corrected", hand.name, "Spearman " + String.join("; ", pairs));
    }

    /** The contribution replaced by its mean over every position of every prompt. */
    private static BiFunction<Integer, Integer, BlockEdit> meanAblation(LayerRowsHand hand) {
        double[][] sums = new double[hand.layers][hand.hidden];
        long positions = 0;
        for (int[] tokens : hand.tokens) {
            float[][] contributions = HandRuns.contributions(hand.model, tokens);
            for (int l = 0; l < hand.layers; l++) {
                for (int i = 0; i < contributions[l].length; i++) {
                    sums[l][i % hand.hidden] += contributions[l][i];
                }
            }
            positions += tokens.length;
        }
        long total = positions;
        return (l, p) -> (pre, post, n, width) -> {
            float[] out = new float[post.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (pre[i] + sums[l][i % width] / total);
            }
            return out;
        };
    }

    /** The contribution replaced by the source prompt's, the last shared positions aligned. */
    private static BiFunction<Integer, Integer, BlockEdit> resampleAblation(LayerRowsHand hand) {
        Map<Integer, int[]> sources = new LinkedHashMap<>();
        Map<Integer, float[][]> contributions = new LinkedHashMap<>();
        for (int p = 0; p < hand.size(); p++) {
            Task task = hand.tasks.get(p);
            int[] source = task.corruptPrompt().isPresent() ? hand.tokenizer.encode(task.corruptPrompt().get())
                    : hand.tokens[(p + 1) % hand.size()];
            sources.put(p, source);
            contributions.put(p, HandRuns.contributions(hand.model, source));
        }
        return (l, p) -> {
            int[] source = sources.get(p);
            float[] contribution = contributions.get(p)[l];
            return (pre, post, n, width) -> {
                float[] out = post.clone();
                int shared = Math.min(n, source.length);
                for (int k = 0; k < shared; k++) {
                    int to = n - shared + k;
                    int from = source.length - shared + k;
                    for (int c = 0; c < width; c++) {
                        out[to * width + c] = pre[to * width + c] + contribution[from * width + c];
                    }
                }
                return out;
            };
        };
    }

    /**
     * The family-mean drop of the target's first-token log-prob when one row of the hub is rewritten:
     * zeroed (published) or set to the block's input (corrected, the contribution zeroed).
     */
    private static double routerDrop(LayerRowsHand hand, int hub, boolean first, boolean corrected) {
        double[] drops = new double[hand.size()];
        for (int p = 0; p < hand.size(); p++) {
            int row = first ? 0 : hand.tokens[p].length - 1;
            int target = hand.tokenizer.encode(hand.tasks.get(p).target())[0];
            BlockEdit edit = (pre, post, n, width) -> {
                float[] out = post.clone();
                for (int c = 0; c < width; c++) {
                    out[row * width + c] = corrected ? pre[row * width + c] : 0;
                }
                return out;
            };
            float[] ablated = HandRuns.last(hand.model, hand.tokens[p], Map.of(hub, edit));
            drops[p] = Independent.logSoftmax(hand.clean[p])[target] - Independent.logSoftmax(ablated)[target];
        }
        return hand.familyMean(drops);
    }
}
