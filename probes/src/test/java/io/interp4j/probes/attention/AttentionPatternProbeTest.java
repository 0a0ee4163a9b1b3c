package io.interp4j.probes.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.testing.ProbeFixtures;
import io.interp4j.probes.testing.TinyModel;
import io.interp4j.testkit.RefTensor;
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttentionPatternProbeTest {
    private static final String ID = "attention-pattern";

    @TempDir
    static Path models;

    private static TinyModel tiny;
    private static Model model;
    private static ReferenceQwen2 reference;
    private static List<int[]> prompts;

    @BeforeAll
    static void loadModel() {
        tiny = TinyModel.write(models, ProbeFixtures.UNTIED, DType.F32, 41);
        model = tiny.model();
        reference = tiny.reference();
        prompts = ProbeFixtures.prompts(6, 257, 6, 2, 5);
    }

    @AfterAll
    static void closeModel() {
        tiny.close();
    }

    @Test
    void patternsOfSelectedHeadsEqualTheReference() {
        ProbeResult result = ProbeFixtures.create(ID, "layers = [1], heads = [3, 0]").run(ProbeContext.of(model, Map.of("prompts", prompts)));
        assertThat(result.tensors()).containsOnlyKeys("pattern/1/0", "pattern/1/1", "pattern/1/2");
        double[] entropy = new double[2];
        double[] first = new double[2];
        int queries = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int n = prompts.get(i).length;
            queries += n;
            RefTensor expected = reference.forward(prompts.get(i)).get("blocks.1.attn.hook_pattern");
            TensorData actual = result.tensor("pattern/1/" + i);
            assertThat(actual.shape()).containsExactly(2, n, n);
            int[] heads = {3, 0};
            for (int h = 0; h < 2; h++) {
                for (int q = 0; q < n; q++) {
                    first[h] += expected.get(0, heads[h], q, 0);
                    for (int k = 0; k < n; k++) {
                        double p = expected.get(0, heads[h], q, k);
                        assertThat((double) actual.at((h * n + q) * n + k)).isCloseTo(p, within(1e-4));
                        entropy[h] -= p > 0 ? p * Math.log(p) : 0;
                    }
                }
            }
        }
        assertThat(result.rows()).hasSize(2);
        for (int h = 0; h < 2; h++) {
            Map<String, Object> row = result.rows().get(h);
            assertThat(row).containsEntry("layer", 1).containsEntry("head", h == 0 ? 3 : 0).containsEntry("kv_head", h == 0 ? 1 : 0)
                    .containsEntry("queries", (long) queries);
            assertThat((double) row.get("mean_entropy_nats")).isCloseTo(entropy[h] / queries, within(1e-4));
            assertThat((double) row.get("mean_attention_to_first")).isCloseTo(first[h] / queries, within(1e-4));
        }
    }

    @Test
    void theFirstQueryAttendsOnlyToItself() {
        // hand-computable: causal masking leaves position 0 one key, so its row is [1, 0, ...] in every head
        ProbeResult result = ProbeFixtures.create(ID, "").run(ProbeContext.of(model, Map.of("prompts", prompts.subList(0, 1))));
        TensorData pattern = result.tensor("pattern/0/0");
        assertThat(pattern.shape()).containsExactly(4, 6, 6);
        for (int h = 0; h < 4; h++) {
            assertThat(pattern.at(h * 36)).isCloseTo(1f, within(1e-6f));
            for (int k = 1; k < 6; k++) {
                assertThat(pattern.at(h * 36 + k)).isZero();
            }
        }
        assertThat(result.tensors()).containsOnlyKeys("pattern/0/0", "pattern/1/0");
        assertThat(result.rows()).hasSize(8);
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("prompts")).isEqualTo("prompts");
        assertThat(settings.getIntList("layers")).isEmpty();
        assertThat(settings.getIntList("heads")).isEmpty();
        assertThat(ProbeFixtures.factory(ID).create(settings).describe()).contains("layers all, heads all");
    }

    @Test
    void aFullMappingResolves() {
        Probe probe = ProbeFixtures.create(ID, "prompts = p, layers = [0], heads = [2]");
        ProbeResult result = probe.run(ProbeContext.of(model, Map.of("p", prompts.subList(1, 2))));
        assertThat(result.tensor("pattern/0/0").shape()).containsExactly(1, 2, 2);
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "head = [0]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.attention-pattern.head: unknown key");
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPaths() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "layers = [0, 0], heads = [-2]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.attention-pattern.layers: found [0, 0]")
                .hasMessageContaining("interp4j.probe.attention-pattern.heads: found [-2]");
    }

    @Test
    void layersAndHeadsOutsideTheModelAreNamed() {
        Map<String, List<int[]>> sets = Map.of("prompts", prompts);
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "layers = [2]").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.attention-pattern.layers: layer 2 is out of range; this model has layers 0..1");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "heads = [4]").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.attention-pattern.heads: head 4 is out of range; this model has heads 0..3");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "prompts = none").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("prompt set 'none' is unknown; known sets: [prompts]");
    }
}
