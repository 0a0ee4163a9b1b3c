package io.interp4j.probes.direction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.testing.ProbeFixtures;
import io.interp4j.probes.testing.TinyModel;
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeanDifferenceProbeTest {
    private static final String ID = "mean-difference";

    @TempDir
    static Path models;

    private static TinyModel tiny;
    private static Model model;
    private static ReferenceQwen2 reference;
    private static Map<String, List<int[]>> sets;

    @BeforeAll
    static void loadModel() {
        tiny = TinyModel.write(models, ProbeFixtures.UNTIED, DType.F32, 61);
        model = tiny.model();
        reference = tiny.reference();
        sets = Map.of(
                "positive", ProbeFixtures.prompts(13, 257, 5, 3, 6),
                "negative", ProbeFixtures.prompts(14, 257, 4, 7));
    }

    @AfterAll
    static void closeModel() {
        tiny.close();
    }

    /** The mean over a set's prompts of the reference activation at the last position (or all positions). */
    private static double[] referenceMean(String set, String hook, boolean allPositions) {
        double[] sum = null;
        int count = 0;
        for (int[] prompt : sets.get(set)) {
            double[] values = reference.forward(prompt).get(hook).data();
            int width = values.length / prompt.length;
            sum = sum == null ? new double[width] : sum;
            for (int p = allPositions ? 0 : prompt.length - 1; p < prompt.length; p++) {
                for (int f = 0; f < width; f++) {
                    sum[f] += values[p * width + f];
                }
                count++;
            }
        }
        for (int f = 0; f < sum.length; f++) {
            sum[f] /= count;
        }
        return sum;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void theDirectionIsTheDifferenceOfReferenceMeansAtTheLastToken() {
        ProbeResult result = ProbeFixtures.create(ID, "site = \"blocks.1.hook_resid_post\"").run(ProbeContext.of(model, sets));
        double[] pos = referenceMean("positive", "blocks.1.hook_resid_post", false);
        double[] neg = referenceMean("negative", "blocks.1.hook_resid_post", false);
        double[] expected = minus(pos, neg);
        TensorData direction = result.tensor("direction");
        assertThat(direction.shape()).containsExactly(32);
        assertThat(ProbeFixtures.maxAbsDiff(direction.data(), expected)).isLessThan(1e-4);
        assertThat(ProbeFixtures.maxAbsDiff(result.tensor("mean/positive").data(), pos)).isLessThan(1e-4);
        assertThat(ProbeFixtures.maxAbsDiff(result.tensor("mean/negative").data(), neg)).isLessThan(1e-4);
        Map<String, Object> row = result.rows().get(0);
        assertThat(row).containsEntry("site", "blocks.1.hook_resid_post").containsEntry("position", "last")
                .containsEntry("positive_prompts", 3).containsEntry("negative_prompts", 2)
                .containsEntry("positive_count", 3).containsEntry("negative_count", 2).containsEntry("normalized", false);
        assertThat((double) row.get("difference_norm")).isCloseTo(norm(expected), within(1e-4));
        assertThat((double) row.get("positive_mean_norm")).isCloseTo(norm(pos), within(1e-4));
        double cosine = 0;
        for (int i = 0; i < pos.length; i++) {
            cosine += pos[i] * neg[i] / (norm(pos) * norm(neg));
        }
        assertThat((double) row.get("cosine")).isCloseTo(cosine, within(1e-4));
    }

    @Test
    void atTheEmbeddingTheDirectionIsADifferenceOfEmbeddingRows() {
        // hand-computable: hook_embed at the last token is the embedding row of that token
        ProbeResult result = ProbeFixtures.create(ID, "site = hook_embed").run(ProbeContext.of(model, sets));
        float[] embed;
        try (Checkpoint checkpoint = Checkpoint.open(tiny.dir())) {
            embed = checkpoint.readFloats("model.embed_tokens.weight");
        }
        double[] expected = new double[32];
        for (String set : List.of("positive", "negative")) {
            List<int[]> prompts = sets.get(set);
            for (int[] prompt : prompts) {
                int token = prompt[prompt.length - 1];
                for (int c = 0; c < 32; c++) {
                    expected[c] += (set.equals("positive") ? 1.0 : -1.0) * embed[token * 32 + c] / prompts.size();
                }
            }
        }
        assertThat(ProbeFixtures.maxAbsDiff(result.tensor("direction").data(), expected)).isLessThan(1e-6);
    }

    @Test
    void allPositionsAndPerHeadSitesAndNormalization() {
        ProbeResult result = ProbeFixtures.create(ID, "site = \"blocks.0.attn.hook_z\", position = all, normalize = true")
                .run(ProbeContext.of(model, sets));
        double[] expected = minus(referenceMean("positive", "blocks.0.attn.hook_z", true), referenceMean("negative", "blocks.0.attn.hook_z", true));
        double n = norm(expected);
        for (int i = 0; i < expected.length; i++) {
            expected[i] /= n;
        }
        TensorData direction = result.tensor("direction");
        assertThat(direction.shape()).containsExactly(4, 8);
        assertThat(direction.norm()).isCloseTo(1, within(1e-6));
        assertThat(ProbeFixtures.maxAbsDiff(direction.data(), expected)).isLessThan(1e-4);
        assertThat(result.rows().get(0)).containsEntry("positive_count", 14).containsEntry("negative_count", 11).containsEntry("normalized", true);
        assertThat((double) result.rows().get(0).get("difference_norm")).isCloseTo(n, within(1e-4));
    }

    @Test
    void aContributionSiteAtChosenPositions() {
        ProbeResult result = ProbeFixtures.create(ID, "site = \"blocks.1.contribution\", position = [0, -2]").run(ProbeContext.of(model, sets));
        double[] expected = new double[32];
        for (String set : List.of("positive", "negative")) {
            for (int[] prompt : sets.get(set)) {
                ReferenceQwen2.Result forward = reference.forward(prompt);
                double[] post = forward.get("blocks.1.hook_resid_post").data();
                double[] pre = forward.get("blocks.1.hook_resid_pre").data();
                for (int p : new int[] {0, prompt.length - 2}) {
                    for (int c = 0; c < 32; c++) {
                        double delta = post[p * 32 + c] - pre[p * 32 + c];
                        expected[c] += (set.equals("positive") ? delta : -delta) / (2.0 * sets.get(set).size());
                    }
                }
            }
        }
        assertThat(ProbeFixtures.maxAbsDiff(result.tensor("direction").data(), expected)).isLessThan(1e-4);
        assertThat(result.rows().get(0)).containsEntry("position", "[0, -2]").containsEntry("positive_count", 6);
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("site")).isEqualTo("blocks.0.hook_resid_post");
        assertThat(settings.getString("position")).isEqualTo("last");
        assertThat(settings.getString("positive")).isEqualTo("positive");
        assertThat(settings.getString("negative")).isEqualTo("negative");
        assertThat(settings.getBoolean("normalize")).isFalse();
        assertThat(ProbeFixtures.factory(ID).create(settings).describe())
                .isEqualTo("mean of set 'positive' minus mean of set 'negative' at 'blocks.0.hook_resid_post', positions last");
    }

    @Test
    void aFullMappingResolves() {
        Probe probe = ProbeFixtures.create(ID, "site = \"blocks.1.hook_mlp_out\", position = 0, positive = a, negative = b, normalize = true");
        ProbeResult result = probe.run(ProbeContext.of(model, Map.of("a", sets.get("positive"), "b", sets.get("negative"))));
        assertThat(result.tensor("direction").norm()).isCloseTo(1, within(1e-6));
        assertThat(result.rows().get(0)).containsEntry("positive_set", "a").containsEntry("negative_set", "b").containsEntry("position", "first");
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "sites = []"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.mean-difference.sites: unknown key");
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPaths() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "site = \"blocks.0.attn.hook_pattern\", position = [], negative = \"\""))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.mean-difference.site: found 'blocks.0.attn.hook_pattern'")
                .hasMessageContaining("interp4j.probe.mean-difference.position: found []")
                .hasMessageContaining("interp4j.probe.mean-difference.negative: found \"\"");
    }

    @Test
    void misuseAgainstTheModelAndThePromptsIsNamed() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "site = \"blocks.9.hook_resid_post\"").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.mean-difference.site: site 'blocks.9.hook_resid_post': layer 9 is out of range");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "negative = control").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("prompt set 'control' is unknown");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "position = -5").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.mean-difference.position: position -5 is outside prompt 1 of set 'positive', which has 3 tokens");
        Map<String, List<int[]>> same = Map.of("positive", sets.get("positive"), "negative", sets.get("positive"));
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "normalize = true").run(ProbeContext.of(model, same)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.mean-difference.normalize")
                .hasMessageContaining("is zero");
    }
}
