package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Head specialisation: every ablation of the row re-run with a hand-written Java hook that edits the
 * activation as a plain float array. Published ({@code slice}, the row's default): columns
 * {@code [s·d_head, (s+1)·d_head)} of {@code hook_attn_out} zeroed at every position, in every layer;
 * corrected: query head h of {@code attn.hook_z} ({@code [1, pos, heads, d_head]}) zeroed at every
 * position, in every layer. KL(clean ‖ ablated) at the last position in double precision, the mean of
 * each family's prompts, then of the families; the headline is the first largest cell in scan order
 * (layer, then slice or head), its KV head {@code h / (heads / kv heads)}. The corrected interval must
 * hold its mean; the published cells have none.
 */
public final class HeadSpecialisationGolden implements GoldenRow {
    /** The suite and split the row reads by default. */
    private static final String SUITE = "families";
    private static final String SPLIT = "test";
    /** The smallest gap between the largest cell and the runner-up: float noise must not pick the headline. */
    private static final double MARGIN = 1e-6;

    @Override
    public String settings() {
        // the defaults: published-variant = slice (every layer), both protocols, suite families split test
        return "";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String name : GoldenAtlas.MODELS) {
            Model model = atlas.study().raw(name);
            Tokenizer tokenizer = model.requireTokenizer();
            List<Task> tasks = atlas.suite(SUITE).tasks().stream().filter(t -> t.split().equals(SPLIT)).toList();
            int[][] tokens = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toArray(int[][]::new);
            float[][] clean = new float[tokens.length][];
            for (int p = 0; p < tokens.length; p++) {
                clean[p] = Independent.lastLogits(model, tokens[p]);
            }
            List<int[]> families = families(tasks);
            int layers = model.config().numLayers();
            int heads = model.config().numHeads();
            int headDim = model.config().headDim();
            int hidden = model.config().hiddenSize();
            int queriesPerKv = heads / model.config().numKvHeads();

            // published: d_model / d_head slices of hook_attn_out per layer
            double[][] slices = new double[layers][hidden / headDim];
            for (int l = 0; l < layers; l++) {
                for (int s = 0; s < slices[l].length; s++) {
                    int from = s * headDim;
                    double[] perPrompt = kl(model, tokens, clean, l, HookSite.ATTN_OUT, x -> zeroColumns(x, hidden, from, from + headDim));
                    slices[l][s] = familyMean(perPrompt, families);
                }
            }
            // corrected: each query head of hook_z
            double[][] byHead = new double[layers][heads];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    int head = h;
                    double[] perPrompt = kl(model, tokens, clean, l, HookSite.ATTN_Z, x -> zeroHead(x, heads, headDim, head));
                    byHead[l][h] = familyMean(perPrompt, families);
                }
            }

            int[] published = argmax(slices, name + " published");
            double kl = slices[published[0]][published[1]];
            ledger.number("head-specialisation.kl", "published", name, kl, tolerance(kl));
            ledger.display("head-specialisation.kl", "published", name,
                    String.format(Locale.ROOT, "L%d slice %d, %.4g", published[0], published[1], kl));
            noInterval(ledger, "head-specialisation.kl", "published", name);
            ledger.exact("head-specialisation.layer", "published", name, published[0]);
            ledger.display("head-specialisation.layer", "published", name, "L" + published[0]);
            ledger.exact("head-specialisation.head", "published", name, published[1]);
            ledger.display("head-specialisation.head", "published", name, "slice " + published[1] + " (not a head)");

            int[] corrected = argmax(byHead, name + " corrected");
            kl = byHead[corrected[0]][corrected[1]];
            ledger.number("head-specialisation.kl", "corrected", name, kl, tolerance(kl));
            ledger.display("head-specialisation.kl", "corrected", name,
                    String.format(Locale.ROOT, "L%d H%d, %.4g", corrected[0], corrected[1], kl),
                    " \\(the top head in \\d{1,3}% of resamples\\)");
            intervalHolds(ledger, "head-specialisation.kl", "corrected", name);
            ledger.exact("head-specialisation.layer", "corrected", name, corrected[0]);
            ledger.display("head-specialisation.layer", "corrected", name, "L" + corrected[0]);
            ledger.exact("head-specialisation.head", "corrected", name, corrected[1]);
            ledger.display("head-specialisation.head", "corrected", name,
                    "H" + corrected[1] + " (KV " + corrected[1] / queriesPerKv + ")");
        }
    }

    /** Each family's prompt indices, families in order of first appearance. */
    private static List<int[]> families(List<Task> tasks) {
        Map<String, List<Integer>> byFamily = new LinkedHashMap<>();
        for (int p = 0; p < tasks.size(); p++) {
            byFamily.computeIfAbsent(tasks.get(p).family(), f -> new ArrayList<>()).add(p);
        }
        return byFamily.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toList();
    }

    /** The mean over families of the mean over each family's prompts. */
    private static double familyMean(double[] values, List<int[]> families) {
        double sum = 0;
        for (int[] family : families) {
            double familySum = 0;
            for (int p : family) {
                familySum += values[p];
            }
            sum += familySum / family.length;
        }
        return sum / families.size();
    }

    /** KL(clean ‖ edited) at the last position of every prompt, the activation at one hook edited in place. */
    private static double[] kl(Model model, int[][] tokens, float[][] clean, int layer, HookSite site, Consumer<float[]> edit) {
        double[] out = new double[tokens.length];
        for (int p = 0; p < tokens.length; p++) {
            out[p] = Independent.kl(clean[p], HandRuns.lastEdited(model, tokens[p], HookPoint.block(layer, site), edit));
        }
        return out;
    }

    /** Zeroes columns [from, to) of a row-major {@code [.., width]} array. */
    private static void zeroColumns(float[] x, int width, int from, int to) {
        for (int i = 0; i < x.length; i++) {
            int column = i % width;
            if (column >= from && column < to) {
                x[i] = 0;
            }
        }
    }

    /** Zeroes one head of a row-major {@code [1, pos, heads, d_head]} array. */
    private static void zeroHead(float[] x, int heads, int headDim, int head) {
        for (int i = 0; i < x.length; i++) {
            if ((i / headDim) % heads == head) {
                x[i] = 0;
            }
        }
    }

    /** The first largest cell in scan order, checked to lead the runner-up by more than float noise. */
    private static int[] argmax(double[][] grid, String what) {
        int[] best = {0, 0};
        double second = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < grid.length; l++) {
            for (int s = 0; s < grid[l].length; s++) {
                double v = grid[l][s];
                if (v > grid[best[0]][best[1]]) {
                    second = grid[best[0]][best[1]];
                    best = new int[] {l, s};
                } else if ((l != 0 || s != 0) && v > second) {
                    second = v;
                }
            }
        }
        double top = grid[best[0]][best[1]];
        assertThat(top - second).as(what + ": the largest KL leads the runner-up (no near-tie)").isGreaterThan(MARGIN * Math.max(1, top));
        return best;
    }

    /** 1e-4 relative, at least 1e-4 absolute: engine float32 against double KL. */
    private static double tolerance(double expected) {
        return 1e-4 * Math.max(1, Math.abs(expected));
    }

    private static void intervalHolds(Ledger ledger, String key, String protocol, String model) {
        Ledger.Cell cell = ledger.cell(key, protocol, model);
        double value = ((Number) cell.value()).doubleValue();
        assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNotNull();
        assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isNotNull();
        assertThat(value).as(cell.name() + " within its interval").isBetween(cell.ciLow() - 1e-12, cell.ciHigh() + 1e-12);
    }

    private static void noInterval(Ledger ledger, String key, String protocol, String model) {
        Ledger.Cell cell = ledger.cell(key, protocol, model);
        assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNull();
        assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isNull();
    }
}
