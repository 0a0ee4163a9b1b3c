package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Steering leverage: the steering vector of every layer recomputed from hand-cached {@code hook_resid_post}
 * rows (last token, double means over the {@code positive} sentences minus over the {@code negative}
 * ones), {@code s·v} added at the readout prompt's last position by a hand-written hook on the layer's
 * output, and the target's probability and logit read from a double log-softmax. Published: the first
 * {@code target} task's target (first token of its text, no {@code published-target} set), p(0), the
 * largest p over s &gt; 0 and their ratio. Corrected, over the suite's many target prompts: the change of
 * the target's log-probability Δ_t = log p_t(s) − log p_t(0) per target task, the controls' mean change
 * (random directions in the span of the difference vectors: a classical Gram-Schmidt basis written here,
 * Gaussian coefficients from the row's documented seed {@code Stats.cellSeed(seed, "Steering leverage",
 * model, "control", layer, k)}, scaled to ‖v‖), the scale s &gt; 0 with the largest mean excess Δ − control,
 * and the layer sweep at {@code sweep-scale}, the first layer with the largest excess. The intervals are
 * recomputed from the per-prompt values computed here with the resampling the row documents (the scale or
 * layer chosen again in every resample, {@code Stats.bootstrapSelection} / {@code Stats.bootstrapFamilies}).
 */
public final class SteeringLeverageGolden implements GoldenRow {
    /** The layer steered: the last block of {@code main}, inside {@code deep}. */
    private static final int LAYER = 1;
    /** The row's default scales, in the order written. */
    private static final double[] SCALES = {0, -0.5, 0.5, -1, 1, -2, 2, -4, 4};
    /** The row's default random controls and sweep scale. */
    private static final int RANDOM = 3;
    private static final double SWEEP = 4;
    /** The absolute tolerance of a float32 probability against the double recomputation. */
    private static final double PROBABILITY = 2e-6;
    /** The absolute tolerance of a logit shift (float32 logits of a few units, a vector rounded once more or less). */
    private static final double LOGIT = 1e-4;

    @Override
    public String settings() {
        // main has blocks 0..1 only, so the seed's L2 is out of range; everything else is the default
        return "layer = " + LAYER;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String name : GoldenAtlas.MODELS) {
            new Hand(atlas, name).check(ledger);
        }
    }

    /** One model's independent computation. */
    private static final class Hand {
        final String name;
        final Model model;
        final Tokenizer tokenizer;
        final long seed;
        final List<Task> targets;
        final int layers;
        final int hidden;
        final float[][] vectors;
        final double[] norms;
        /** Each layer's output at the last token of each positive / negative sentence: {@code [layer][sentence][d_model]}. */
        final double[][][] positives;
        final double[][][] negatives;

        Hand(GoldenAtlas atlas, String name) {
            this.name = name;
            this.model = atlas.study().raw(name);
            this.tokenizer = model.requireTokenizer();
            this.seed = atlas.study().seed();
            List<Task> tasks = atlas.suite("steering").tasks();
            this.targets = family(tasks, "target");
            this.layers = model.config().numLayers();
            this.hidden = model.config().hiddenSize();
            positives = outputs(family(tasks, "positive"));
            negatives = outputs(family(tasks, "negative"));
            vectors = new float[layers][hidden];
            norms = new double[layers];
            for (int l = 0; l < layers; l++) {
                double sum = 0;
                double[] positive = average(positives[l]);
                double[] negative = average(negatives[l]);
                for (int i = 0; i < hidden; i++) {
                    vectors[l][i] = (float) (positive[i] - negative[i]);
                    sum += (double) vectors[l][i] * vectors[l][i];
                }
                norms[l] = Math.sqrt(sum);
            }
        }

        private static List<Task> family(List<Task> tasks, String family) {
            return tasks.stream().filter(t -> t.family().equals(family)).toList();
        }

        /** Every layer's output at the last token of every sentence: {@code [layer][sentence][d_model]}. */
        private double[][][] outputs(List<Task> sentences) {
            double[][][] out = new double[layers][sentences.size()][hidden];
            for (int s = 0; s < sentences.size(); s++) {
                Task sentence = sentences.get(s);
                try (Run run = model.newRun()) {
                    List<HookPoint> points = new ArrayList<>();
                    for (int l = 0; l < layers; l++) {
                        points.add(HookPoint.block(l, HookSite.RESID_POST));
                    }
                    run.cache(points);
                    ForwardResult result = run.forward(tokenizer.encode(sentence.prompt()));
                    for (int l = 0; l < layers; l++) {
                        float[] all = result.cache().get(points.get(l)).toFloatArray();
                        for (int i = 0; i < hidden; i++) {
                            out[l][s][i] = all[all.length - hidden + i];
                        }
                    }
                }
            }
            return out;
        }

        private double[] average(double[][] rows) {
            double[] mean = new double[hidden];
            for (double[] row : rows) {
                for (int i = 0; i < hidden; i++) {
                    mean[i] += row[i] / rows.length;
                }
            }
            return mean;
        }

        /** The last position's logits of target task t with {@code s·vector} added to layer l's output at the last position. */
        float[] steered(int t, int layer, float[] vector, double s) {
            int[] tokens = tokenizer.encode(targets.get(t).prompt());
            try (Run run = model.newRun()) {
                if (s != 0) {
                    run.hook(HookPoint.block(layer, HookSite.RESID_POST), (a, c) -> {
                        float[] x = a.toFloatArray();
                        for (int i = 0; i < hidden; i++) {
                            x[x.length - hidden + i] += (float) (s * vector[i]);
                        }
                        return a.getManager().create(x, a.getShape());
                    });
                }
                float[] all = run.forward(tokens).logits().toFloatArray();
                int vocab = model.config().vocabSize();
                float[] last = new float[vocab];
                System.arraycopy(all, all.length - vocab, last, 0, vocab);
                return last;
            }
        }

        /** Control k of a layer as the row documents it, with the row's seed for the cell (model, layer, k). */
        float[] control(int layer, int k) {
            return Independent.spanControl(positives[layer], negatives[layer], Stats.cellSeed(seed, "Steering leverage", name, "control",
                    layer, k), norms[layer]);
        }

        /** The first token of a target text as written (the row's first-token rule). */
        int token(String text) {
            return tokenizer.encode(text)[0];
        }

        String spelling(int token) {
            return tokenizer.decode(new int[] {token});
        }

        void check(Ledger ledger) {
            published(ledger);
            corrected(ledger);
        }

        private void published(Ledger ledger) {
            int token = token(targets.get(0).target());
            double p0 = probability(steered(0, LAYER, vectors[LAYER], 0), token);
            double best = Double.NEGATIVE_INFINITY;
            double bestScale = 0;
            for (double s : SCALES) {
                double p = probability(steered(0, LAYER, vectors[LAYER], s), token);
                if (s > 0 && p > best) {
                    best = p;
                    bestScale = s;
                }
            }
            headline(ledger, "published", token, p0, best, bestScale);
        }

        /** Per target task at a layer and scale: {Δlog p of the vector, the controls' mean Δlog p, their difference}. */
        private double[][] effects(int layer, double s, int[] tokens, double[] base) {
            int n = targets.size();
            double[][] out = new double[3][n];
            for (int t = 0; t < n; t++) {
                out[0][t] = logp(steered(t, layer, vectors[layer], s), tokens[t]) - base[t];
                for (int k = 0; k < RANDOM; k++) {
                    out[1][t] += (logp(steered(t, layer, control(layer, k), s), tokens[t]) - base[t]) / RANDOM;
                }
                out[2][t] = out[0][t] - out[1][t];
            }
            return out;
        }

        private void corrected(Ledger ledger) {
            int n = targets.size();
            assertThat(n).as("the toy steering suite's target prompts").isGreaterThanOrEqualTo(20);
            int[] tokens = targets.stream().mapToInt(t -> token(t.target())).toArray();
            double[] base = new double[n];
            double p0 = 0;
            for (int t = 0; t < n; t++) {
                float[] logits = steered(t, LAYER, null, 0);
                base[t] = logp(logits, tokens[t]);
                p0 += Math.exp(base[t]) / n;
            }
            List<double[][]> cells = new ArrayList<>();
            List<Double> positive = new ArrayList<>();
            for (double s : SCALES) {
                if (s > 0) {
                    cells.add(effects(LAYER, s, tokens, base));
                    positive.add(s);
                }
            }
            int best = first(cells);
            double bestScale = positive.get(best);
            double pBest = 0;
            for (int t = 0; t < n; t++) {
                pBest += probability(steered(t, LAYER, vectors[LAYER], bestScale), tokens[t]) / n;
            }
            headline(ledger, "corrected", tokens[0], p0, pBest, bestScale);
            double[][] at = cells.get(best);
            long selectionSeed = Stats.cellSeed(seed, "Steering leverage", name, "scale-selection");
            ledger.number("steering-leverage.logprob-delta", "corrected", name, mean(at[0]), LOGIT);
            ledger.display("steering-leverage.logprob-delta", "corrected", name,
                    String.format(Locale.ROOT, "Δlog p %+.4g at s=%s (%d prompts)", checked(ledger, "steering-leverage.logprob-delta", name),
                            scale(bestScale), n));
            interval(ledger, "steering-leverage.logprob-delta", atSelected(cells, 0, selectionSeed));
            ledger.number("steering-leverage.control-logprob-delta", "corrected", name, mean(at[1]), LOGIT);
            ledger.display("steering-leverage.control-logprob-delta", "corrected", name, String.format(Locale.ROOT, "Δlog p %+.4g (%d random"
                    + " direction(s) of norm ‖v‖ in the %d-dimensional span of the difference vectors)",
                    checked(ledger, "steering-leverage.control-logprob-delta", name), RANDOM,
                    Independent.spanBasis(positives[LAYER], negatives[LAYER]).size()));
            interval(ledger, "steering-leverage.control-logprob-delta", atSelected(cells, 1, selectionSeed));
            Stats.Selection selection = selection(cells, best, selectionSeed);
            ledger.number("steering-leverage.excess", "corrected", name, mean(at[2]), 2 * LOGIT);
            ledger.display("steering-leverage.excess", "corrected", name, String.format(Locale.ROOT, "%+.4g at s=%s (the best scale in ",
                    mean(at[2]), scale(bestScale)), "\\d+% of resamples\\)");
            interval(ledger, "steering-leverage.excess", selection.interval());
            sweep(ledger, tokens);
        }

        /** Every layer steered at the sweep scale: the first layer with the largest mean excess, chosen again per resample. */
        private void sweep(Ledger ledger, int[] tokens) {
            int n = targets.size();
            List<double[][]> cells = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                double[] base = new double[n];
                for (int t = 0; t < n; t++) {
                    base[t] = logp(steered(t, l, null, 0), tokens[t]);
                }
                cells.add(effects(l, SWEEP, tokens, base));
            }
            int best = first(cells);
            for (int l = 0; l < layers; l++) {
                assertThat(l == best || mean(cells.get(best)[2]) - mean(cells.get(l)[2]) > 10 * LOGIT).as(name + ": sweep layer L" + l
                        + " is no near-tie with L" + best).isTrue();
            }
            ledger.exact("steering-leverage.best-layer", "corrected", name, best);
            ledger.display("steering-leverage.best-layer", "corrected", name, "L" + best + " (the best layer in ", "\\d+% of resamples\\)");
            noInterval(ledger, "steering-leverage.best-layer", "corrected");
            ledger.number("steering-leverage.sweep-excess", "corrected", name, mean(cells.get(best)[2]), 2 * LOGIT);
            ledger.display("steering-leverage.sweep-excess", "corrected", name, String.format(Locale.ROOT, "%+.4g at L%d, s=%s",
                    mean(cells.get(best)[2]), best, scale(SWEEP)));
            interval(ledger, "steering-leverage.sweep-excess",
                    selection(cells, best, Stats.cellSeed(seed, "Steering leverage", name, "layer-selection")).interval());
        }

        /** A cell's interval against the one recomputed from this class's per-prompt values. */
        private void interval(Ledger ledger, String key, double[] expected) {
            Ledger.Cell cell = ledger.cell(key, "corrected", name);
            assertThat(cell.ciLow()).as(cell.name() + " ci_low").isCloseTo(expected[0], org.assertj.core.api.Assertions.within(2 * LOGIT));
            assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isCloseTo(expected[1], org.assertj.core.api.Assertions.within(2 * LOGIT));
        }

        /** The cells both protocols report: layer, token, p(0), best p over s > 0 and their ratio. */
        private void headline(Ledger ledger, String protocol, int token, double p0, double best, double bestScale) {
            ledger.exact("steering-leverage.layer", protocol, name, LAYER);
            ledger.display("steering-leverage.layer", protocol, name, "L" + LAYER);
            ledger.exact("steering-leverage.token", protocol, name, spelling(token));
            ledger.display("steering-leverage.token", protocol, name, "'" + spelling(token) + "' (#" + token + ")");
            ledger.number("steering-leverage.p0", protocol, name, p0, PROBABILITY);
            ledger.display("steering-leverage.p0", protocol, name, String.format(Locale.ROOT, "%.4g", p0));
            ledger.number("steering-leverage.best-p", protocol, name, best, PROBABILITY);
            ledger.display("steering-leverage.best-p", protocol, name, String.format(Locale.ROOT, "%.4g at s=%s", best, scale(bestScale)));
            double ratio = best / p0;
            ledger.number("steering-leverage.ratio", protocol, name, ratio, 1e-4 * Math.max(1, ratio));
            ledger.display("steering-leverage.ratio", protocol, name,
                    String.format(Locale.ROOT, "%.4g → %.4g (%.3g×)", p0, best, ratio));
            for (String key : List.of("layer", "token", "p0", "best-p", "ratio")) {
                noInterval(ledger, "steering-leverage." + key, protocol);
            }
        }

        private void noInterval(Ledger ledger, String key, String protocol) {
            Ledger.Cell cell = ledger.cell(key, protocol, name);
            assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNull();
            assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isNull();
        }
    }

    private static double probability(float[] logits, int token) {
        return Math.exp(logp(logits, token));
    }

    private static double logp(float[] logits, int token) {
        return Independent.logSoftmax(logits)[token];
    }

    private static double mean(double[] values, int[] drawn) {
        double sum = 0;
        for (int i : drawn) {
            sum += values[i];
        }
        return sum / drawn.length;
    }

    /** The first cell with the largest mean excess (row 2 of a cell's effects). */
    private static int first(List<double[][]> cells) {
        int best = 0;
        for (int c = 1; c < cells.size(); c++) {
            if (mean(cells.get(c)[2]) > mean(cells.get(best)[2])) {
                best = c;
            }
        }
        return best;
    }

    /** The selection-aware interval of the largest mean excess over the cells, resampling the target prompts. */
    private static Stats.Selection selection(List<double[][]> cells, int best, long seed) {
        int[][] all = {java.util.stream.IntStream.range(0, cells.get(0)[0].length).toArray()};
        return Stats.bootstrapSelection(all, cells.size(), (c, drawn) -> mean(cells.get(c)[2], drawn[0]), best, seed);
    }

    /** The interval of effect row {@code row} at the cell each resample chooses (largest mean excess, the first on ties). */
    private static double[] atSelected(List<double[][]> cells, int row, long seed) {
        int[][] all = {java.util.stream.IntStream.range(0, cells.get(0)[0].length).toArray()};
        return Stats.bootstrapFamilies(all, drawn -> {
            int best = 0;
            for (int c = 1; c < cells.size(); c++) {
                if (mean(cells.get(c)[2], drawn[0]) > mean(cells.get(best)[2], drawn[0])) {
                    best = c;
                }
            }
            return mean(cells.get(best)[row], drawn[0]);
        }, seed);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** A scale as the row writes it: integers without a fraction, positive ones with a sign. */
    private static String scale(double s) {
        String text = s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
        return s > 0 ? "+" + text : text;
    }

    /**
     * A corrected cell's own value, after {@link Ledger#number} has checked it against the independent one:
     * its display is then checked for its text, not for where two values within the tolerance round at four
     * significant digits (-0.0014265 and -0.0014266 did).
     */
    private static double checked(Ledger ledger, String key, String model) {
        return ((Number) ledger.cell(key, "corrected", model).value()).doubleValue();
    }
}
