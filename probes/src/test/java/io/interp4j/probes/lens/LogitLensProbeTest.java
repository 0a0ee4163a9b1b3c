package io.interp4j.probes.lens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.testing.ProbeFixtures;
import io.interp4j.probes.testing.TinyModel;
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lens against a hand computation: the reference's {@code hook_resid_post} (double precision),
 * the final-norm weight and unembedding read from the checkpoint here, and the formulas written out
 * below, independently of the probe's code.
 */
class LogitLensProbeTest {
    private static final String ID = "logit-lens";

    @TempDir
    static Path models;

    private static final Map<String, TinyModel> tiny = new HashMap<>();
    private static final Map<String, Path> dirs = new HashMap<>();
    private static final Map<String, Model> loaded = new HashMap<>();
    private static final Map<String, ReferenceQwen2> references = new HashMap<>();

    @BeforeAll
    static void loadModels() {
        tiny.put("untied-f32", TinyModel.write(models, ProbeFixtures.UNTIED, DType.F32, 31));
        tiny.put("tied-bf16", TinyModel.write(models, ProbeFixtures.TIED, DType.BF16, 32));
        tiny.forEach((name, t) -> {
            dirs.put(name, t.dir());
            loaded.put(name, t.model());
            references.put(name, t.reference());
        });
    }

    @AfterAll
    static void closeModels() {
        tiny.values().forEach(TinyModel::close);
    }

    /** The hand computation: final norm (optional) then unembedding, from checkpoint weights. */
    private record Hand(ModelConfig config, double[] norm, double[] unembed) {
        static Hand of(Path dir) {
            try (Checkpoint checkpoint = Checkpoint.open(dir)) {
                ModelConfig config = checkpoint.config();
                String unembedding = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
                return new Hand(config, widen(checkpoint.readFloats("model.norm.weight")), widen(checkpoint.readFloats(unembedding)));
            }
        }

        double[] lens(double[] resid, int position, boolean finalNorm) {
            int d = config.hiddenSize();
            double[] x = Arrays.copyOfRange(resid, position * d, (position + 1) * d);
            if (finalNorm) {
                double ms = 0;
                for (double v : x) {
                    ms += v * v / d;
                }
                for (int c = 0; c < d; c++) {
                    x[c] = norm[c] * x[c] / Math.sqrt(ms + config.rmsNormEps());
                }
            }
            double[] logits = new double[config.vocabSize()];
            for (int v = 0; v < logits.length; v++) {
                for (int c = 0; c < d; c++) {
                    logits[v] += unembed[v * d + c] * x[c];
                }
            }
            return logits;
        }
    }

    private static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double[] row(double[] matrix, int row, int width) {
        return Arrays.copyOfRange(matrix, row * width, (row + 1) * width);
    }

    /** KL(P ‖ Q) in nats, written out directly from the logits. */
    private static double kl(double[] p, double[] q) {
        double[] lp = logSoftmax(p);
        double[] lq = logSoftmax(q);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += Math.exp(lp[i]) * (lp[i] - lq[i]);
        }
        return sum;
    }

    private static double[] logSoftmax(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double log = Math.log(Arrays.stream(x).map(v -> Math.exp(v - max)).sum()) + max;
        return Arrays.stream(x).map(v -> v - log).toArray();
    }

    private static int[] top(double[] x, int k) {
        Integer[] order = new Integer[x.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(x[b], x[a]));
        return Arrays.stream(order).limit(k).mapToInt(Integer::intValue).toArray();
    }

    static Stream<Arguments> modelsAndModes() {
        return Stream.of("untied-f32", "tied-bf16").flatMap(m -> Stream.of(Arguments.of(m, true), Arguments.of(m, false)));
    }

    @ParameterizedTest(name = "{0}, final-norm {1}")
    @MethodSource("modelsAndModes")
    void lensAndItsRowsEqualAHandComputation(String name, boolean finalNorm) {
        Model model = loaded.get(name);
        ReferenceQwen2 reference = references.get(name);
        Hand hand = Hand.of(dirs.get(name));
        int vocab = hand.config().vocabSize();
        List<int[]> prompts = ProbeFixtures.prompts(7, vocab, 4, 6, 3);
        ProbeResult result = ProbeFixtures.create(ID, "final-norm = " + finalNorm + ", top-k = 3")
                .run(ProbeContext.of(model, Map.of("prompts", prompts)));

        for (int layer = 0; layer < 2; layer++) {
            TensorData logits = result.tensor("logits/" + layer);
            TensorData topK = result.tensor("top-k/" + layer);
            assertThat(logits.shape()).containsExactly(prompts.size(), vocab);
            assertThat(topK.shape()).containsExactly(prompts.size(), 3);
            int agreeing = 0;
            double klSum = 0;
            double overlapSum = 0;
            for (int i = 0; i < prompts.size(); i++) {
                int last = prompts.get(i).length - 1;
                ReferenceQwen2.Result forward = reference.forward(prompts.get(i));
                double[] lens = hand.lens(forward.get("blocks." + layer + ".hook_resid_post").data(), last, finalNorm);
                double[] modelLogits = row(forward.logits().data(), last, vocab);
                float[] actual = Arrays.copyOfRange(logits.data(), i * vocab, (i + 1) * vocab);
                assertThat(ProbeFixtures.maxAbsDiff(actual, lens)).as("layer %d prompt %d", layer, i).isLessThan(1e-4);
                int[] lensTop = top(lens, 3);
                for (int k = 0; k < 3; k++) {
                    assertThat(topK.at(i * 3 + k)).isEqualTo((float) lensTop[k]);
                }
                agreeing += lensTop[0] == ReferenceQwen2.argmax(modelLogits) ? 1 : 0;
                klSum += kl(modelLogits, lens);
                int[] modelTop = top(modelLogits, 3);
                overlapSum += Arrays.stream(lensTop).filter(t -> Arrays.stream(modelTop).anyMatch(m -> m == t)).count() / 3.0;
            }
            Map<String, Object> row = result.rows().get(layer);
            assertThat(row).containsEntry("layer", layer).containsEntry("final_norm", finalNorm).containsEntry("pairs", 3).containsEntry("k", 3);
            assertThat((double) row.get("argmax_agreement")).isEqualTo(agreeing / 3.0);
            double klMean = klSum / 3;
            assertThat((double) row.get("kl_mean_nats")).isCloseTo(klMean, within(1e-5 + 1e-4 * klMean));
            assertThat((double) row.get("top_k_overlap")).isEqualTo(overlapSum / 3);
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void withTheFinalNormTheLastLayersLensIsTheModel(String name) {
        Model model = loaded.get(name);
        ReferenceQwen2 reference = references.get(name);
        int vocab = model.config().vocabSize();
        List<int[]> prompts = ProbeFixtures.prompts(8, vocab, 5, 2, 9, 4);
        ProbeResult result = ProbeFixtures.create(ID, "layers = [1]").run(ProbeContext.of(model, Map.of("prompts", prompts)));

        assertThat(result.rows()).hasSize(1);
        assertThat(result.rows().get(0)).containsEntry("layer", 1).containsEntry("argmax_agreement", 1.0);
        assertThat((double) result.rows().get(0).get("kl_mean_nats")).isLessThan(1e-8);
        assertThat((double) result.rows().get(0).get("top_k_overlap")).isEqualTo(1.0);
        TensorData logits = result.tensor("logits/1");
        for (int i = 0; i < prompts.size(); i++) {
            double[] expected = ReferenceQwen2.lastRow(reference.forward(prompts.get(i)).logits());
            assertThat(ProbeFixtures.maxAbsDiff(Arrays.copyOfRange(logits.data(), i * vocab, (i + 1) * vocab), expected)).isLessThan(1e-4);
        }
    }

    static Stream<String> names() {
        return Stream.of("untied-f32", "tied-bf16");
    }

    @Test
    void withoutTheFinalNormEvenTheLastLayerDiffersFromTheModel() {
        Model model = loaded.get("untied-f32");
        ProbeResult result = ProbeFixtures.create(ID, "final-norm = false, layers = [1]")
                .run(ProbeContext.of(model, Map.of("prompts", ProbeFixtures.prompts(9, 257, 6, 6))));
        assertThat((double) result.rows().get(0).get("kl_mean_nats")).isGreaterThan(1e-3);
    }

    @Test
    void severalPositionsGiveOneTensorPerPrompt() {
        Model model = loaded.get("untied-f32");
        Hand hand = Hand.of(dirs.get("untied-f32"));
        List<int[]> prompts = ProbeFixtures.prompts(10, 257, 4, 6);
        ProbeResult result = ProbeFixtures.create(ID, "positions = [0, -1], layers = [0]")
                .run(ProbeContext.of(model, Map.of("prompts", prompts)));
        assertThat(result.tensors()).containsOnlyKeys("logits/0/0", "top-k/0/0", "logits/0/1", "top-k/0/1");
        TensorData second = result.tensor("logits/0/1");
        assertThat(second.shape()).containsExactly(2, 257);
        double[] resid = references.get("untied-f32").forward(prompts.get(1)).get("blocks.0.hook_resid_post").data();
        assertThat(ProbeFixtures.maxAbsDiff(Arrays.copyOfRange(second.data(), 0, 257), hand.lens(resid, 0, true))).isLessThan(1e-4);
        assertThat(ProbeFixtures.maxAbsDiff(Arrays.copyOfRange(second.data(), 257, 514), hand.lens(resid, 5, true))).isLessThan(1e-4);
        assertThat(result.rows().get(0)).containsEntry("pairs", 4);

        ProbeResult all = ProbeFixtures.create(ID, "positions = all, layers = [0]").run(ProbeContext.of(model, Map.of("prompts", prompts)));
        assertThat(all.tensor("logits/0/1").shape()).containsExactly(6, 257);
        assertThat(all.rows().get(0)).containsEntry("pairs", 10);
    }

    @Test
    void longPromptsSpanSeveralPassesOverTheUnembedding() {
        // 2 layers × 40 positions = 80 vectors: more than one pass of 64
        int[] prompt = ProbeFixtures.prompts(15, 257, 40).get(0);
        Hand hand = Hand.of(dirs.get("untied-f32"));
        ProbeResult result = ProbeFixtures.create(ID, "positions = all, final-norm = false")
                .run(ProbeContext.of(loaded.get("untied-f32"), Map.of("prompts", List.of(prompt))));
        ReferenceQwen2.Result forward = references.get("untied-f32").forward(prompt);
        for (int layer = 0; layer < 2; layer++) {
            float[] logits = result.tensor("logits/" + layer + "/0").data();
            double[] resid = forward.get("blocks." + layer + ".hook_resid_post").data();
            for (int p = 0; p < 40; p++) {
                assertThat(ProbeFixtures.maxAbsDiff(Arrays.copyOfRange(logits, p * 257, (p + 1) * 257), hand.lens(resid, p, false)))
                        .as("layer %d position %d", layer, p).isLessThan(1e-4);
            }
        }
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("prompts")).isEqualTo("prompts");
        assertThat(settings.getString("positions")).isEqualTo("last");
        assertThat(settings.getBoolean("final-norm")).isTrue();
        assertThat(settings.getInt("top-k")).isEqualTo(5);
        assertThat(settings.getIntList("layers")).isEmpty();
        assertThat(ProbeFixtures.factory(ID).create(settings).describe()).contains("with the final RMSNorm", "last", "top-5");
    }

    @Test
    void aFullMappingResolves() {
        Probe probe = ProbeFixtures.create(ID, "prompts = p, positions = 1, final-norm = false, top-k = 2, layers = [1, 0]");
        ProbeResult result = probe.run(ProbeContext.of(loaded.get("untied-f32"), Map.of("p", ProbeFixtures.prompts(3, 257, 3))));
        assertThat(result.tensors()).containsOnlyKeys("logits/1", "top-k/1", "logits/0", "top-k/0");
        assertThat(result.tensor("top-k/0").shape()).containsExactly(1, 2);
        assertThat(result.rows()).extracting(r -> r.get("layer")).containsExactly(1, 0);
        assertThat(probe.describe()).contains("without the final RMSNorm", "positions [1]");
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "final_norm = true"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.final_norm: unknown key");
    }

    @Test
    void invalidValuesAreAllRejectedTogether() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "top-k = 0, positions = middle, layers = [-1, 0]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.top-k: found 0")
                .hasMessageContaining("interp4j.probe.logit-lens.positions: found \"middle\"; allowed: all, first, last")
                .hasMessageContaining("interp4j.probe.logit-lens.layers: found [-1, 0]");
        // a value of the wrong type is caught while the settings are resolved
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "final-norm = maybe"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.final-norm");
    }

    @Test
    void misuseAgainstTheModelIsNamed() {
        Model model = loaded.get("untied-f32");
        Map<String, List<int[]>> sets = Map.of("prompts", ProbeFixtures.prompts(4, 257, 3, 8));
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "layers = [2]").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.layers: layer 2 is out of range; this model has layers 0..1");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "top-k = 1000").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.top-k: found 1000; allowed: 1..257");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "positions = 5").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.logit-lens.positions: position 5 is outside prompt 0 of set 'prompts', which has 3 tokens");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "prompts = other").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("prompt set 'other' is unknown");
    }
}
