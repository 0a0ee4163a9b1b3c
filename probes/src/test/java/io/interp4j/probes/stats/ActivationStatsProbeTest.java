package io.interp4j.probes.stats;

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
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationStatsProbeTest {
    private static final String ID = "activation-stats";

    @TempDir
    static Path models;

    private static TinyModel tiny;
    private static Model model;
    private static ReferenceQwen2 reference;
    private static List<int[]> prompts;

    @BeforeAll
    static void loadModel() {
        tiny = TinyModel.write(models, ProbeFixtures.UNTIED, DType.F32, 51);
        model = tiny.model();
        reference = tiny.reference();
        prompts = ProbeFixtures.prompts(12, 257, 4, 7, 1, 5);
    }

    @AfterAll
    static void closeModel() {
        tiny.close();
    }

    /** Every position's feature vector of every prompt, from the reference, for one site. */
    private static List<double[]> referenceRows(String site, int features) {
        List<double[]> rows = new ArrayList<>();
        for (int[] prompt : prompts) {
            ReferenceQwen2.Result forward = reference.forward(prompt);
            double[] values;
            if (site.endsWith(".contribution")) {
                String block = site.substring(0, site.length() - "contribution".length());
                double[] post = forward.get(block + "hook_resid_post").data();
                double[] pre = forward.get(block + "hook_resid_pre").data();
                values = new double[post.length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = post[i] - pre[i];
                }
            } else {
                values = forward.get(site).data();
            }
            for (int p = 0; p < prompt.length; p++) {
                double[] row = new double[features];
                System.arraycopy(values, p * features, row, 0, features);
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void meanAndStdEqualStatisticsOfReferenceActivations() {
        Map<String, long[]> sites = Map.of(
                "blocks.1.hook_resid_post", new long[] {32},
                "blocks.0.attn.hook_z", new long[] {4, 8},
                "blocks.1.contribution", new long[] {32},
                "blocks.0.mlp.hook_post", new long[] {64},
                "blocks.1.attn.hook_v", new long[] {2, 8});
        String list = String.join(", ", sites.keySet().stream().map(s -> "\"" + s + "\"").toList());
        ProbeResult result = ProbeFixtures.create(ID, "sites = [" + list + "]").run(ProbeContext.of(model, Map.of("prompts", prompts)));

        for (Map.Entry<String, long[]> e : sites.entrySet()) {
            String site = e.getKey();
            int features = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            List<double[]> rows = referenceRows(site, features);
            assertThat(rows).hasSize(17);
            TensorData mean = result.tensor("mean/" + site);
            TensorData std = result.tensor("std/" + site);
            assertThat(mean.shape()).as(site).isEqualTo(e.getValue());
            assertThat(std.shape()).as(site).isEqualTo(e.getValue());
            for (int f = 0; f < features; f++) {
                double m = 0;
                for (double[] r : rows) {
                    m += r[f] / rows.size();
                }
                double var = 0;
                for (double[] r : rows) {
                    var += (r[f] - m) * (r[f] - m) / rows.size();
                }
                assertThat((double) mean.at(f)).as("%s mean[%d]", site, f).isCloseTo(m, within(1e-4));
                assertThat((double) std.at(f)).as("%s std[%d]", site, f).isCloseTo(Math.sqrt(var), within(1e-4));
            }
            Map<String, Object> row = result.rows().stream().filter(r -> r.get("site").equals(site)).findFirst().orElseThrow();
            assertThat(row).containsEntry("count", 17L).containsEntry("prompts", 4);
            assertThat((double) row.get("mean_norm")).isCloseTo(mean.norm(), within(1e-9));
        }
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("prompts")).isEqualTo("prompts");
        assertThat(settings.getStringList("sites")).containsExactly("blocks.0.hook_resid_post");
        ProbeResult result = ProbeFixtures.factory(ID).create(settings).run(ProbeContext.of(model, Map.of("prompts", prompts)));
        assertThat(result.tensors()).containsOnlyKeys("mean/blocks.0.hook_resid_post", "std/blocks.0.hook_resid_post");
    }

    @Test
    void aFullMappingResolves() {
        Probe probe = ProbeFixtures.create(ID, "prompts = reference, sites = [\"hook_embed\", \"blocks.0.contribution\"]");
        ProbeResult result = probe.run(ProbeContext.of(model, Map.of("reference", prompts)));
        assertThat(result.tensors()).containsOnlyKeys("mean/hook_embed", "std/hook_embed", "mean/blocks.0.contribution", "std/blocks.0.contribution");
        assertThat(probe.describe()).contains("'reference'", "hook_embed, blocks.0.contribution");
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "positions = all"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-stats.positions: unknown key");
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPaths() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "sites = [\"blocks.0.attn.hook_pattern\", \"blocks.0.hook_resid_post\", \"blocks.0.hook_resid_post\"]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-stats.sites: found [blocks.0.attn.hook_pattern, blocks.0.hook_resid_post, blocks.0.hook_resid_post]");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "sites = [\"blocks.1.attn.hook_attn_scores\"]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-stats.sites: found 'blocks.1.attn.hook_attn_scores'")
                .hasMessageContaining("attention-pattern probe");
    }

    @Test
    void sitesOutsideTheModelAndUnknownSetsAreNamed() {
        Map<String, List<int[]>> sets = Map.of("prompts", prompts);
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "sites = [\"blocks.2.contribution\"]").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-stats.sites: site 'blocks.2.contribution': layer 2 is out of range");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "prompts = x").run(ProbeContext.of(model, sets)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("prompt set 'x' is unknown");
    }
}
