package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
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
 * largest p over s &gt; 0 and their ratio. Corrected: the logit shift Δ = logit(s) − logit(0) per target
 * task, its mean, the scale s &gt; 0 with the largest mean, the same for the random controls (Gaussian
 * directions from {@code Random(seed·1000003 + layer·7919 + k)} scaled to ‖v‖, as the row documents),
 * and the layer sweep at {@code sweep-scale}: Δ − random Δ per layer, the first largest. The logit
 * shift's interval must hold its mean; no other cell has one.
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

        Hand(GoldenAtlas atlas, String name) {
            this.name = name;
            this.model = atlas.study().raw(name);
            this.tokenizer = model.requireTokenizer();
            this.seed = atlas.study().seed();
            List<Task> tasks = atlas.suite("steering").tasks();
            this.targets = family(tasks, "target");
            this.layers = model.config().numLayers();
            this.hidden = model.config().hiddenSize();
            double[][] positive = meanOutputs(family(tasks, "positive"));
            double[][] negative = meanOutputs(family(tasks, "negative"));
            vectors = new float[layers][hidden];
            norms = new double[layers];
            for (int l = 0; l < layers; l++) {
                double sum = 0;
                for (int i = 0; i < hidden; i++) {
                    vectors[l][i] = (float) (positive[l][i] - negative[l][i]);
                    sum += (double) vectors[l][i] * vectors[l][i];
                }
                norms[l] = Math.sqrt(sum);
            }
        }

        private static List<Task> family(List<Task> tasks, String family) {
            return tasks.stream().filter(t -> t.family().equals(family)).toList();
        }

        /** Every layer's output at the last token, averaged over the sentences: {@code [layer][d_model]}. */
        private double[][] meanOutputs(List<Task> sentences) {
            double[][] mean = new double[layers][hidden];
            for (Task sentence : sentences) {
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
                            mean[l][i] += all[all.length - hidden + i] / (double) sentences.size();
                        }
                    }
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

        /** Random control k of a layer: a seeded standard Gaussian direction scaled to ‖v‖ of that layer. */
        float[] random(int layer, int k) {
            Random random = new Random(seed * 1_000_003L + layer * 7919L + k);
            double[] g = new double[hidden];
            double length = 0;
            for (int i = 0; i < hidden; i++) {
                g[i] = random.nextGaussian();
                length += g[i] * g[i];
            }
            float[] out = new float[hidden];
            for (int i = 0; i < hidden; i++) {
                out[i] = (float) (g[i] / Math.sqrt(length) * norms[layer]);
            }
            return out;
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

        private void corrected(Ledger ledger) {
            int n = targets.size();
            int[] tokens = targets.stream().mapToInt(t -> token(t.target())).toArray();
            float[][] base = new float[n][];
            for (int t = 0; t < n; t++) {
                base[t] = steered(t, LAYER, null, 0);
            }
            double bestDelta = Double.NEGATIVE_INFINITY;
            double bestScale = 0;
            double bestRandom = 0;
            double[] bestDeltas = null;
            for (double s : SCALES) {
                double[] deltas = new double[n];
                double random = 0;
                for (int t = 0; t < n; t++) {
                    deltas[t] = steered(t, LAYER, vectors[LAYER], s)[tokens[t]] - (double) base[t][tokens[t]];
                    for (int k = 0; k < RANDOM; k++) {
                        random += (steered(t, LAYER, random(LAYER, k), s)[tokens[t]] - (double) base[t][tokens[t]]) / (n * RANDOM);
                    }
                }
                double mean = mean(deltas);
                if (s > 0 && mean > bestDelta) {
                    bestDelta = mean;
                    bestScale = s;
                    bestRandom = random;
                    bestDeltas = deltas;
                }
            }
            double p0 = 0;
            double pBest = 0;
            for (int t = 0; t < n; t++) {
                p0 += probability(base[t], tokens[t]) / n;
                pBest += probability(steered(t, LAYER, vectors[LAYER], bestScale), tokens[t]) / n;
            }
            headline(ledger, "corrected", tokens[0], p0, pBest, bestScale);
            ledger.number("steering-leverage.logit-delta", "corrected", name, bestDelta, LOGIT);
            ledger.display("steering-leverage.logit-delta", "corrected", name,
                    String.format(Locale.ROOT, "Δlogit %+.4g at s=%s", bestDelta, scale(bestScale)));
            Ledger.Cell cell = ledger.cell("steering-leverage.logit-delta", "corrected", name);
            assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNotNull();
            assertThat(((Number) cell.value()).doubleValue()).as(cell.name() + " within its interval")
                    .isBetween(cell.ciLow() - 1e-12, cell.ciHigh() + 1e-12);
            // with one target task the bootstrap has nothing to resample: the interval is the point
            if (bestDeltas.length == 1) {
                assertThat(cell.ciHigh() - cell.ciLow()).as(cell.name() + " interval of one prompt").isLessThanOrEqualTo(1e-12);
            }
            ledger.number("steering-leverage.random-logit-delta", "corrected", name, bestRandom, LOGIT);
            ledger.display("steering-leverage.random-logit-delta", "corrected", name,
                    String.format(Locale.ROOT, "Δlogit %+.4g (random, ‖r‖ = ‖v‖)", bestRandom));
            double excess = bestDelta - bestRandom;
            ledger.number("steering-leverage.excess", "corrected", name, excess, 2 * LOGIT);
            ledger.display("steering-leverage.excess", "corrected", name, String.format(Locale.ROOT, "%+.4g", excess));
            noInterval(ledger, "steering-leverage.random-logit-delta", "corrected");
            noInterval(ledger, "steering-leverage.excess", "corrected");
            sweep(ledger, tokens, base);
        }

        /** Every layer steered at the sweep scale: the first layer with the largest Δ − random Δ. */
        private void sweep(Ledger ledger, int[] tokens, float[][] base) {
            int n = targets.size();
            double[] excess = new double[layers];
            int best = 0;
            for (int l = 0; l < layers; l++) {
                for (int t = 0; t < n; t++) {
                    excess[l] += (steered(t, l, vectors[l], SWEEP)[tokens[t]] - (double) base[t][tokens[t]]) / n;
                    for (int k = 0; k < RANDOM; k++) {
                        excess[l] -= (steered(t, l, random(l, k), SWEEP)[tokens[t]] - (double) base[t][tokens[t]]) / (n * RANDOM);
                    }
                }
                if (excess[l] > excess[best]) {
                    best = l;
                }
            }
            for (int l = 0; l < layers; l++) {
                assertThat(l == best || excess[best] - excess[l] > 10 * LOGIT).as(name + ": sweep layer L" + l + " is no near-tie with L"
                        + best).isTrue();
            }
            ledger.exact("steering-leverage.best-layer", "corrected", name, best);
            ledger.display("steering-leverage.best-layer", "corrected", name,
                    String.format(Locale.ROOT, "L%d (Δlogit − random %+.4g at s=%s)", best, excess[best], scale(SWEEP)));
            noInterval(ledger, "steering-leverage.best-layer", "corrected");
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
        return Math.exp(Independent.logSoftmax(logits)[token]);
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
}
