package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cross-model transfer: on the clean prompts of the {@code families} tasks that have a corrupt prompt,
 * the trained model (base + the final adapter of {@code lora-training}, loaded outside the study) is
 * run once with cache hooks; the base model is then run with block L's {@code resid_post} replaced at
 * every position by a hand-written edit: by the trained model's {@code resid_post} (published) or by
 * its own {@code resid_pre} plus the trained block's {@code resid_post − resid_pre} (corrected).
 * {@code recovery(L) = 1 − KL(trained ‖ patched) / KL(trained ‖ base)} at the last position in double,
 * averaged per family and then over families; the top layers are sorted by hand. Bootstrap intervals
 * are only checked to hold their means.
 */
public final class CrossModelTransferGolden implements GoldenRow {
    /** How many layers the headline names (the row's default). */
    private static final int TOP = 3;
    /** The absolute tolerance of a float32 KL ratio or KL against the double recomputation. */
    private static final double TOLERANCE = 1e-4;
    /** The smallest gap between a headline layer's recovery and the next one's, so that the order is not a near-tie. */
    private static final double CLEAR = 1e-3;
    private static final Pattern LAYER = Pattern.compile("L([0-9]+) (-?[0-9]+\\.[0-9]{4}|NaN)");

    @Override
    public String settings() {
        return "top = " + TOP;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        List<Task> tasks = atlas.suite("families").split("test").tasks().stream().filter(t -> t.corruptPrompt().isPresent()).toList();
        assertThat(tasks).as("paired prompts").isNotEmpty();
        for (String name : GoldenAtlas.MODELS) {
            Model base = atlas.study().raw(name);
            try (Model trained = new DjlEngineProvider().load(Checkpoint.open(base.directory()),
                    LoadOptions.withAdapter(atlas.study().artefacts("lora-training").resolve(name).resolve("adapter")))) {
                checkModel(ledger, name, base, trained, tasks);
            }
        }
    }

    private static void checkModel(Ledger ledger, String name, Model base, Model trained, List<Task> tasks) {
        Tokenizer tokenizer = base.requireTokenizer();
        int layers = base.config().numLayers();
        double[] baseline = new double[tasks.size()];
        // recovery[protocol][layer][prompt], protocol 0 published, 1 corrected
        double[][][] recovery = new double[2][layers][tasks.size()];
        for (int t = 0; t < tasks.size(); t++) {
            int[] tokens = tokenizer.encode(tasks.get(t).prompt());
            float[] reference = HandRuns.last(trained, tokens, Map.of());
            float[][] post = HandRuns.residPost(trained, tokens);
            float[][] own = HandRuns.contributions(trained, tokens);
            baseline[t] = Independent.kl(reference, HandRuns.last(base, tokens, Map.of()));
            // no prompt is left out: the trained adapter moves every output
            assertThat(baseline[t]).as("%s: KL(trained ‖ base) of %s", name, tasks.get(t).id()).isGreaterThan(1e-6);
            for (int l = 0; l < layers; l++) {
                int layer = l;
                float[] whole = HandRuns.last(base, tokens, Map.of(l, (pre, out, positions, hidden) -> post[layer].clone()));
                float[] contribution = HandRuns.last(base, tokens, Map.of(l, (pre, out, positions, hidden) -> {
                    float[] patched = new float[pre.length];
                    for (int i = 0; i < pre.length; i++) {
                        patched[i] = pre[i] + own[layer][i];
                    }
                    return patched;
                }));
                recovery[0][l][t] = 1 - Independent.kl(reference, whole) / baseline[t];
                recovery[1][l][t] = 1 - Independent.kl(reference, contribution) / baseline[t];
            }
        }
        List<String> families = tasks.stream().map(Task::family).toList();
        double kl = HandRuns.familyMean(baseline, families);
        ledger.number("cross-model-transfer.kl-trained-base", "both", name, kl, TOLERANCE * kl);
        ledger.display("cross-model-transfer.kl-trained-base", "both", name,
                fmt(((Number) ledger.cell("cross-model-transfer.kl-trained-base", "both", name).value()).doubleValue()));
        for (int p = 0; p < 2; p++) {
            double[] byLayer = new double[layers];
            for (int l = 0; l < layers; l++) {
                byLayer[l] = HandRuns.familyMean(recovery[p][l], families);
            }
            checkProtocol(ledger, name, p == 0 ? "published" : "corrected", byLayer);
        }
    }

    /** The top layers by recovery (mean of family means per layer), the best one's recovery, and their texts. */
    private static void checkProtocol(Ledger ledger, String name, String protocol, double[] byLayer) {
        int layers = byLayer.length;
        List<Integer> ranked = order(byLayer);
        // every place of the headline is clear of the next layer, so the order is no near-tie
        for (int i = 0; i < Math.min(TOP, layers - 1); i++) {
            assertThat(byLayer[ranked.get(i)] - byLayer[ranked.get(i + 1)]).as("%s %s: L%d is clear of L%d", name, protocol,
                    ranked.get(i), ranked.get(i + 1)).isGreaterThan(CLEAR);
        }
        List<Integer> order = ranked.subList(0, Math.min(TOP, layers));
        int first = order.get(0);
        ledger.exact("cross-model-transfer.top-layer", protocol, name, first);
        ledger.display("cross-model-transfer.top-layer", protocol, name, "L" + first);
        ledger.number("cross-model-transfer.top-recovery", protocol, name, byLayer[first], TOLERANCE);
        Ledger.Cell best = ledger.cell("cross-model-transfer.top-recovery", protocol, name);
        ledger.display("cross-model-transfer.top-recovery", protocol, name, "L" + first + " " + fmt(((Number) best.value()).doubleValue()));
        if (protocol.equals("corrected")) {
            assertThat(best.ciLow()).as(best.name() + " interval").isNotNull();
            assertThat(((Number) best.value()).doubleValue()).as(best.name() + " within its interval")
                    .isBetween(best.ciLow(), best.ciHigh());
        } else {
            assertThat(best.ciLow()).as(best.name() + " has no interval").isNull();
        }
        String shown = topLayers(ledger.cell("cross-model-transfer.top-layers", protocol, name), order, byLayer);
        ledger.exact("cross-model-transfer.top-layers", protocol, name, shown);
        ledger.display("cross-model-transfer.top-layers", protocol, name, shown);
    }

    /** Every layer, best recovery first, the lower layer first on equal recovery. */
    private static List<Integer> order(double[] recovery) {
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < recovery.length; l++) {
            order.add(l);
        }
        order.sort((a, b) -> recovery[a] != recovery[b] ? Double.compare(recovery[b], recovery[a]) : Integer.compare(a, b));
        return order;
    }

    /**
     * The expected headline {@code L<a> <recovery>, L<b> <recovery>, ...}: the layers in the order
     * computed here, each number the one shown where it is within {@link #TOLERANCE} of the one
     * computed here (so a last digit rounded the other way does not fail), else the one computed here.
     */
    private static String topLayers(Ledger.Cell cell, List<Integer> order, double[] recovery) {
        List<Double> shown = new ArrayList<>();
        Matcher m = LAYER.matcher(cell.display());
        while (m.find()) {
            shown.add(Double.parseDouble(m.group(2)));
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            double mine = recovery[order.get(i)];
            double number = i < shown.size() && Math.abs(shown.get(i) - mine) <= TOLERANCE ? shown.get(i) : mine;
            parts.add("L" + order.get(i) + " " + fmt(number));
        }
        return String.join(", ", parts);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
