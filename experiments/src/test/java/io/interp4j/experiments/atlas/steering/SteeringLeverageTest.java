package io.interp4j.experiments.atlas.steering;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks steering-leverage against a hand-built steering vector (observed layer outputs, plain double
 * means) added by a hand-installed hook, hand-built controls (a classical Gram-Schmidt basis of the
 * difference vectors, the row's documented seeds) and plain log-softmax arithmetic.
 */
class SteeringLeverageTest extends TinyStudyTest {
    private static final List<String> MODELS = List.of("main", "other");
    private static final double[] SCALES = {0, -1, 1, 4};
    private static final int LAYER = 0;
    private static final int RANDOM = 2;
    private static final double SWEEP = 4;
    private static StepResult result;
    private static long planned;
    private static long reported;
    private static long counted;

    @BeforeAll
    static void runOnce() {
        study.addSuite(new TaskSuite("steering", List.of(
                task("p0", "positive", "The capital of Italy is Rome.", "x"),
                task("p1", "positive", "The capital of France is Paris.", "x"),
                task("p2", "positive", "The capital of Spain is Madrid.", "x"),
                task("n0", "negative", "Italy is a country in Europe.", "x"),
                task("n1", "negative", "France is known for its wine.", "x"),
                task("t0", "target", "The capital of Italy is", " Rome"),
                task("t1", "target", "Rome is the capital of", " Italy"))));
        Experiment step = Steps.create("steering-leverage", "models = [main, other], suite = steering, layer = " + LAYER
                + ", scales = [0, -1, 1, 4], random-vectors = " + RANDOM + ", sweep-scale = 4, per-model { main { published-target = \"rome\" } }");
        assertThat(step.validate(study)).isEmpty();
        planned = step.forwardPasses(study);
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        result = step.run(study, progress);
        reported = progress.total();
        counted = study.takeForwards();
    }

    private static Task task(String id, String family, String prompt, String target) {
        return new Task(id, family, prompt, target, Optional.empty(), Optional.empty(), "test", Map.of());
    }

    /** The independent computation for one model. */
    private static final class Hand {
        final Model model;
        final Tokenizer tokenizer;
        final List<Task> tasks = study.suite("steering").tasks();
        final String name;
        final float[][] vectors;
        final double[][][] positives;
        final double[][][] negatives;

        Hand(String name) {
            this.name = name;
            model = study.raw(name);
            tokenizer = model.requireTokenizer();
            int layers = model.config().numLayers();
            vectors = new float[layers][];
            positives = new double[layers][][];
            negatives = new double[layers][][];
            for (int l = 0; l < layers; l++) {
                positives[l] = outputs("positive", l);
                negatives[l] = outputs("negative", l);
                double[] pos = mean(positives[l]);
                double[] neg = mean(negatives[l]);
                vectors[l] = new float[pos.length];
                for (int i = 0; i < pos.length; i++) {
                    vectors[l][i] = (float) (pos[i] - neg[i]);
                }
            }
        }

        /** The layer output at the last token of each of a family's sentences, observed by a hand hook. */
        private double[][] outputs(String family, int layer) {
            List<Task> set = tasks.stream().filter(t -> t.family().equals(family)).toList();
            double[][] out = new double[set.size()][32];
            for (int s = 0; s < set.size(); s++) {
                float[][] seen = new float[1][];
                try (Run run = model.newRun()) {
                    run.observe(HookPoint.block(layer, HookSite.RESID_POST), (a, c) -> seen[0] = a.toFloatArray());
                    run.forward(tokenizer.encode(set.get(s).prompt()));
                }
                for (int i = 0; i < 32; i++) {
                    out[s][i] = seen[0][seen[0].length - 32 + i];
                }
            }
            return out;
        }

        private static double[] mean(double[][] rows) {
            double[] mean = new double[32];
            for (double[] row : rows) {
                for (int i = 0; i < 32; i++) {
                    mean[i] += row[i] / rows.length;
                }
            }
            return mean;
        }

        Task target(int t) {
            return tasks.stream().filter(x -> x.family().equals("target")).toList().get(t);
        }

        /** The last position's logits of a target prompt with s·vector added to layer L's output at its last position. */
        float[] steered(int t, int layer, float[] vector, double s) {
            return steered(target(t).prompt(), layer, vector, s);
        }

        /** The same for any prompt. */
        float[] steered(String prompt, int layer, float[] vector, double s) {
            int[] tokens = tokenizer.encode(prompt);
            try (Run run = model.newRun()) {
                if (s != 0) {
                    run.hook(HookPoint.block(layer, HookSite.RESID_POST), (a, c) -> {
                        float[] x = a.toFloatArray();
                        for (int i = 0; i < 32; i++) {
                            x[x.length - 32 + i] += (float) s * vector[i];
                        }
                        return a.getManager().create(x, a.getShape());
                    });
                }
                float[] all = run.forward(tokens).logits().toFloatArray();
                return Arrays.copyOfRange(all, all.length - 300, all.length);
            }
        }

        int token(String text) {
            return tokenizer.encode(text)[0];
        }

        /** Control k of a layer as documented, with the row's seed for the cell (model, layer, k). */
        float[] control(int layer, int k) {
            double target = 0;
            for (float v : vectors[layer]) {
                target += (double) v * v;
            }
            return Independent.spanControl(positives[layer], negatives[layer], io.interp4j.experiments.atlas.Stats.cellSeed(study.seed(),
                    "Steering leverage", name, "control", layer, k), Math.sqrt(target));
        }

        double lp(float[] logits, int token) {
            return Independent.logSoftmax(logits)[token];
        }

        double p(float[] logits, int token) {
            return Math.exp(Independent.logSoftmax(logits)[token]);
        }
    }

    private static List<List<Object>> readouts(String model, String protocol, String vector, String task) {
        Table t = table(result, "steering-readout");
        return t.rows().stream().filter(r -> cell(t, r, "model").equals(model) && cell(t, r, "protocol").equals(protocol)
                && cell(t, r, "vector").equals(vector) && cell(t, r, "task").equals(task)).toList();
    }

    private static List<Object> atlasRow(String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol)
                && cell(atlas, r, "model").equals(model)).findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key));
    }

    private static double atlasValue(String key, String protocol, String model) {
        return number(table(result, "atlas"), atlasRow(key, protocol, model), "value");
    }

    @Test
    void countsItsForwardsExactly() {
        // per model: 5 sentences; target 0: 4 scales + 2 random × 3 non-zero scales + layer 1's sweep point and its 2 randoms
        // (layer 0's are the s = 4 readouts); target 1 the same; the published readouts are target 0's
        assertThat(planned).isEqualTo(2L * (5 + 2 * (4 + 6 + 3)));
        assertThat(reported).isEqualTo(planned);
        assertThat(counted).isEqualTo(planned);
    }

    @Test
    void publishedReadsEachModelsSpellingOfTheTarget() {
        Table t = table(result, "steering-readout");
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            int token = hand.token(name.equals("main") ? "rome" : " Rome");
            List<List<Object>> rows = readouts(name, "published", "steering", "t0");
            assertThat(rows).hasSize(SCALES.length);
            double p0 = hand.p(hand.steered(0, LAYER, hand.vectors[LAYER], 0), token);
            double best = -1;
            for (int i = 0; i < SCALES.length; i++) {
                assertThat(number(t, rows.get(i), "scale")).isEqualTo(SCALES[i]);
                assertThat(cell(t, rows.get(i), "token")).isEqualTo(hand.tokenizer.decode(new int[] {token}));
                double p = hand.p(hand.steered(0, LAYER, hand.vectors[LAYER], SCALES[i]), token);
                assertThat(number(t, rows.get(i), "probability")).as("%s s=%s", name, SCALES[i]).isCloseTo(p, within(1e-6));
                if (SCALES[i] > 0) {
                    best = Math.max(best, p);
                }
            }
            assertThat(atlasValue("steering-leverage.p0", "published", name)).isCloseTo(p0, within(1e-6));
            assertThat(atlasValue("steering-leverage.best-p", "published", name)).isCloseTo(best, within(1e-6));
            assertThat(atlasValue("steering-leverage.ratio", "published", name)).isCloseTo(best / p0, within(1e-4 * best / p0));
        }
    }

    /**
     * {@code published-prompt}: the published readout runs that prompt (here the seed's, with its trailing space)
     * instead of the first target task's, steered at every scale, read for the published spelling.
     */
    @Test
    void publishedPromptIsTheReadoutPromptAtEveryScale() {
        String prompt = "The capital of Italy is ";
        StepResult own = Steps.create("steering-leverage", "models = [main], suite = steering, layer = " + LAYER + ", scales = [0, -1, 1, 4],"
                + " random-vectors = 1, protocols = [published], published-target = rome, published-prompt = \"" + prompt + "\"")
                .run(study, new Steps.Counter());
        Table t = table(own, "steering-readout");
        Hand hand = new Hand("main");
        int token = hand.token("rome");
        List<List<Object>> rows = t.rows().stream().filter(r -> cell(t, r, "protocol").equals("published")
                && cell(t, r, "task").equals("published-prompt")).toList();
        assertThat(rows).hasSize(SCALES.length);
        for (int i = 0; i < SCALES.length; i++) {
            double p = hand.p(hand.steered(prompt, LAYER, hand.vectors[LAYER], SCALES[i]), token);
            assertThat(number(t, rows.get(i), "scale")).isEqualTo(SCALES[i]);
            assertThat(number(t, rows.get(i), "probability")).as("s=%s", SCALES[i]).isCloseTo(p, within(1e-6));
        }
        assertThat(hand.p(hand.steered(prompt, LAYER, null, 0), token)).as("the trailing space makes it another prompt")
                .isNotCloseTo(hand.p(hand.steered(0, LAYER, null, 0), token), within(1e-6));
    }

    /** Per target task at a layer and scale: the vector's Δlog p, the controls' mean Δlog p (both against s = 0). */
    private static double[][] effects(Hand hand, int layer, double s) {
        double[][] out = new double[2][2];
        for (int task = 0; task < 2; task++) {
            int token = hand.token(hand.target(task).target());
            double base = hand.lp(hand.steered(task, layer, null, 0), token);
            out[0][task] = hand.lp(hand.steered(task, layer, hand.vectors[layer], s), token) - base;
            for (int k = 0; k < RANDOM; k++) {
                out[1][task] += (hand.lp(hand.steered(task, layer, hand.control(layer, k), s), token) - base) / RANDOM;
            }
        }
        return out;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static double[] excess(double[][] effects) {
        return new double[] {effects[0][0] - effects[1][0], effects[0][1] - effects[1][1]};
    }

    private static double[] interval(String key, String model) {
        Table atlas = table(result, "atlas");
        List<Object> row = atlasRow(key, "corrected", model);
        return new double[] {number(atlas, row, "ci_low"), number(atlas, row, "ci_high")};
    }

    @Test
    void correctedReadsLogProbabilityChangesAgainstControlsInTheSpanOfTheDifferenceVectors() {
        Table t = table(result, "steering-readout");
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            List<double[][]> positive = new java.util.ArrayList<>();
            List<Double> positiveScales = new java.util.ArrayList<>();
            for (double s : SCALES) {
                double[][] e = effects(hand, LAYER, s);
                for (int task = 0; task < 2; task++) {
                    String id = hand.target(task).id();
                    List<Object> row = readouts(name, "corrected", "steering", id).stream().filter(r -> number(t, r, "scale") == s)
                            .findFirst().orElseThrow();
                    assertThat(number(t, row, "logprob_delta")).as("%s task %d s=%s", name, task, s).isCloseTo(e[0][task], within(1e-4));
                    double controls = 0;
                    for (int k = 0; k < RANDOM; k++) {
                        List<Object> c = readouts(name, "corrected", "control " + k, id).stream().filter(r -> number(t, r, "scale") == s)
                                .findFirst().orElseThrow();
                        controls += number(t, c, "logprob_delta") / RANDOM;
                    }
                    assertThat(controls).as("%s task %d s=%s control", name, task, s).isCloseTo(e[1][task], within(1e-4));
                }
                if (s > 0) {
                    positive.add(e);
                    positiveScales.add(s);
                }
            }
            // the headline scale: the largest mean excess over the control among s > 0
            int best = 0;
            for (int c = 1; c < positive.size(); c++) {
                if (mean(excess(positive.get(c))) > mean(excess(positive.get(best)))) {
                    best = c;
                }
            }
            double[][] at = positive.get(best);
            assertThat(atlasValue("steering-leverage.logprob-delta", "corrected", name)).isCloseTo(mean(at[0]), within(1e-4));
            assertThat(atlasValue("steering-leverage.control-logprob-delta", "corrected", name)).isCloseTo(mean(at[1]), within(1e-4));
            assertThat(atlasValue("steering-leverage.excess", "corrected", name)).isCloseTo(mean(excess(at)), within(2e-4));
            assertThat((String) cell(table(result, "atlas"), atlasRow("steering-leverage.logprob-delta", "corrected", name), "display"))
                    .contains("at s=+" + positiveScales.get(best).intValue());
            // the excess's interval: Stats.bootstrapSelection over the positive scales on the hand-computed per-prompt excesses,
            // with the row's documented seed
            List<double[]> excesses = positive.stream().map(SteeringLeverageTest::excess).toList();
            io.interp4j.experiments.atlas.Stats.Selection selection = io.interp4j.experiments.atlas.Stats.bootstrapSelection(
                    new int[][] {{0, 1}}, excesses.size(), (c, drawn) -> (excesses.get(c)[drawn[0][0]] + excesses.get(c)[drawn[0][1]]) / 2,
                    best, io.interp4j.experiments.atlas.Stats.cellSeed(study.seed(), "Steering leverage", name, "scale-selection"));
            assertThat(interval("steering-leverage.excess", name)[0]).isCloseTo(selection.low(), within(2e-4));
            assertThat(interval("steering-leverage.excess", name)[1]).isCloseTo(selection.high(), within(2e-4));
            assertThat(cell(table(result, "atlas"), atlasRow("steering-leverage.token", "corrected", name), "value"))
                    .isEqualTo(hand.tokenizer.decode(new int[] {hand.token(" Rome")}));
        }
    }

    @Test
    void sweepsEveryLayerAtTheSweepScale() {
        Table sweep = table(result, "steering-layers");
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            int bestLayer = -1;
            double bestExcess = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < 2; l++) {
                double[][] e = effects(hand, l, SWEEP);
                int layer = l;
                List<Object> row = sweep.rows().stream().filter(r -> cell(sweep, r, "model").equals(name)
                        && ((Number) cell(sweep, r, "layer")).intValue() == layer).findFirst().orElseThrow();
                assertThat(number(sweep, row, "logprob_delta")).isCloseTo(mean(e[0]), within(1e-4));
                assertThat(number(sweep, row, "control_logprob_delta")).isCloseTo(mean(e[1]), within(1e-4));
                double norm = 0;
                for (float v : hand.vectors[l]) {
                    norm += (double) v * v;
                }
                assertThat(number(sweep, row, "vector_norm")).isCloseTo(Math.sqrt(norm), within(1e-4));
                // 3 positives and 2 negatives: 5 difference vectors with one linear relation between them
                assertThat(number(sweep, row, "span_rank")).isEqualTo(4);
                if (mean(excess(e)) > bestExcess) {
                    bestExcess = mean(excess(e));
                    bestLayer = l;
                }
            }
            assertThat(atlasValue("steering-leverage.best-layer", "corrected", name)).isEqualTo(bestLayer);
            assertThat(atlasValue("steering-leverage.sweep-excess", "corrected", name)).isCloseTo(bestExcess, within(2e-4));
        }
    }

    /**
     * The report's Δ (other − main) of the corrected cells: both models read the same two target prompts, so the
     * difference is paired (one resample of the prompts per round serves both), and each model picks its best
     * scale (or layer) again on every resample. The interval is recomputed here from the hand-computed per-prompt
     * excesses with the row's documented seeds.
     */
    @Test
    void deltasBetweenModelsArePairedAndRedoTheSelection() {
        Table deltas = table(result, "atlas-deltas");
        Map<String, List<double[]>> byScale = new java.util.HashMap<>();
        Map<String, List<double[]>> byLayer = new java.util.HashMap<>();
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            byScale.put(name, Arrays.stream(SCALES).filter(s -> s > 0).mapToObj(s -> excess(effects(hand, LAYER, s))).toList());
            byLayer.put(name, java.util.stream.IntStream.range(0, 2).mapToObj(l -> excess(effects(hand, l, SWEEP))).toList());
        }
        for (String key : List.of("steering-leverage.excess", "steering-leverage.sweep-excess")) {
            Map<String, List<double[]>> cells = key.endsWith("sweep-excess") ? byLayer : byScale;
            String stream = key.endsWith("sweep-excess") ? "layer-selection" : "scale-selection";
            List<Object> row = deltas.rows().stream().filter(r -> cell(deltas, r, "key").equals(key)).findFirst()
                    .orElseThrow(() -> new AssertionError("no Δ for " + key + " in " + deltas.rows()));
            assertThat(cell(deltas, row, "protocol")).isEqualTo("corrected");
            assertThat(cell(deltas, row, "model_a")).isEqualTo("main");
            assertThat(cell(deltas, row, "model_b")).isEqualTo("other");
            assertThat(cell(deltas, row, "pairing")).isEqualTo("paired");
            assertThat(number(deltas, row, "delta")).isCloseTo(atlasValue(key, "corrected", "other") - atlasValue(key, "corrected", "main"),
                    within(1e-9));
            io.interp4j.experiments.atlas.Stats.Distribution hand = io.interp4j.experiments.atlas.Stats.bootstrapDifference(
                    drawn -> best(cells.get("main"), drawn[0]), new int[][] {{0, 1}}, drawn -> best(cells.get("other"), drawn[0]),
                    new int[][] {{0, 1}}, true, io.interp4j.experiments.atlas.Stats.cellSeed(io.interp4j.experiments.atlas.Stats.cellSeed(
                            study.seed(), "Steering leverage", "main", stream), "delta", "main", "other"));
            assertThat(number(deltas, row, "ci_low")).as(key).isCloseTo(hand.interval()[0], within(2e-4));
            assertThat(number(deltas, row, "ci_high")).as(key).isCloseTo(hand.interval()[1], within(2e-4));
        }
        for (String key : List.of("steering-leverage.logprob-delta", "steering-leverage.control-logprob-delta")) {
            assertThat(deltas.rows()).as(key).anyMatch(r -> cell(deltas, r, "key").equals(key) && cell(deltas, r, "pairing").equals("paired"));
        }
    }

    /** The largest mean over the drawn prompts among the cells: the value at the cell a resample selects. */
    private static double best(List<double[]> cells, int[] drawn) {
        double best = Double.NEGATIVE_INFINITY;
        for (double[] cell : cells) {
            double sum = 0;
            for (int i : drawn) {
                sum += cell[i];
            }
            best = Math.max(best, sum / drawn.length);
        }
        return best;
    }

    /** Every control has the vector's norm and lies in the span of the difference vectors (not on v). */
    @Test
    void controlsHaveTheVectorsNormAndLieInTheSpan() {
        Hand hand = new Hand("main");
        for (int l = 0; l < 2; l++) {
            double[] v = new double[32];
            for (int i = 0; i < 32; i++) {
                v[i] = hand.vectors[l][i];
            }
            for (int k = 0; k < RANDOM; k++) {
                double[] c = new double[32];
                float[] control = hand.control(l, k);
                for (int i = 0; i < 32; i++) {
                    c[i] = control[i];
                }
                assertThat(norm(c)).isCloseTo(norm(v), within(1e-4 * norm(v)));
                assertThat(Math.abs(dot(c, v)) / (norm(c) * norm(v))).as("cosine with v").isLessThan(0.999);
            }
        }
    }

    @Test
    void flagsPublishedTokensThatDifferAcrossModels() {
        Table flags = table(result, "atlas-flags");
        for (String name : MODELS) {
            assertThat(flags.rows().stream().filter(r -> cell(flags, r, "model").equals(name)
                    && ((String) cell(flags, r, "message")).contains("differs across models"))).hasSize(1);
        }
        // main's published spelling is not the suite's target; other's is
        assertThat(flags.rows().stream().filter(r -> ((String) cell(flags, r, "message")).contains("where the suite's target is"))
                .map(r -> cell(flags, r, "model"))).containsExactly("main");
        assertThat(result.charts()).hasSize(3);
    }

    @Test
    void rejectsBadSettingsWithTheirPaths() {
        assertThatThrownBy(() -> Steps.create("steering-leverage", "scales = [1, 2], random-vectors = 0, sweep-scale = 0,"
                + " target-rule = nearest, layer = -1, published-target = 3, published-prompt = \"\","
                + " per-model { a { layer = 5, sweep-scale = 2 } }"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.steering-leverage.scales: found [1,2]; allowed: a list of distinct finite"
                        + " numbers holding 0")
                .hasMessageContaining("interp4j.experiment.steering-leverage.random-vectors: found 0; allowed: an integer >= 1")
                .hasMessageContaining("interp4j.experiment.steering-leverage.sweep-scale: found 0")
                .hasMessageContaining("interp4j.experiment.steering-leverage.target-rule: found 'nearest'")
                .hasMessageContaining("interp4j.experiment.steering-leverage.layer: found -1")
                .hasMessageContaining("interp4j.experiment.steering-leverage.published-target: found 3; allowed: null or the target"
                        + " text as the published run spelled it")
                .hasMessageContaining("interp4j.experiment.steering-leverage.published-prompt: found \"\"; allowed: null or the readout")
                .hasMessageContaining("interp4j.experiment.steering-leverage.per-model.a.sweep-scale: cannot differ per model");
        Experiment step = Steps.create("steering-leverage", "models = [main], suite = main, layer = 2");
        assertThat(step.validate(study)).extracting(Object::toString).anyMatch(p -> p.startsWith(P + ".suite: suite 'main' (split all) has no task of family"
                + " 'positive'"));
        Experiment outOfRange = Steps.create("steering-leverage", "models = [main, other], suite = steering, layer = 1,"
                + " per-model { other { layer = 2, suite = main }, large { published-target = \"rome\" } }");
        assertThat(outOfRange.validate(study)).extracting(Object::toString).containsExactly(
                P + ".per-model.large: unknown model 'large'; the study's models: [main, other, untokenized]",
                P + ".per-model.other.suite: suite 'main' (split all) has no task of family 'positive'; a steering suite needs"
                        + " families positive and negative (the vector's sentences) and target (the readout prompts and their target"
                        + " tokens); its families: [arithmetic, copying, factual_recall]",
                P + ".per-model.other.suite: suite 'main' (split all) has no task of family 'negative'; a steering suite needs"
                        + " families positive and negative (the vector's sentences) and target (the readout prompts and their target"
                        + " tokens); its families: [arithmetic, copying, factual_recall]",
                P + ".per-model.other.suite: suite 'main' (split all) has no task of family 'target'; a steering suite needs"
                        + " families positive and negative (the vector's sentences) and target (the readout prompts and their target"
                        + " tokens); its families: [arithmetic, copying, factual_recall]",
                P + ".per-model.other.layer: layer 2 is out of range for model 'other'; it has layers 0..1");
    }

    private static double dot(double[] a, double[] b) {
        return Independent.dot(a, b);
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    @Test
    void defaultsFollowTheSeed() {
        assertThat(Steps.create("steering-leverage", "").describe())
                .contains("v = mean layer-2 output at the last token over family positive − over family negative")
                .contains("suite 'steering' (split all)")
                .contains("s in 0, -0.5, +0.5, -1, +1, -2, +2, -4, +4")
                .contains("3 control(s), random directions of equal norm in the span of the difference vectors")
                .contains("every layer at s = +4")
                .contains("models all, protocols published, corrected");
    }
}
