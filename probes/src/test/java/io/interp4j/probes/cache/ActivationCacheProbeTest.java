package io.interp4j.probes.cache;

import static io.interp4j.probes.testing.ProbeFixtures.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class ActivationCacheProbeTest {
    private static final String ID = "activation-cache";

    @TempDir
    static Path models;

    private static TinyModel tiny;
    private static Model model;
    private static ReferenceQwen2 reference;
    private static List<int[]> prompts;

    @BeforeAll
    static void loadModel() {
        tiny = TinyModel.write(models, ProbeFixtures.UNTIED, DType.F32, 21);
        model = tiny.model();
        reference = tiny.reference();
        prompts = ProbeFixtures.prompts(5, 257, 5, 3, 7);
    }

    @AfterAll
    static void closeModel() {
        tiny.close();
    }

    @Test
    void copiesActivationsEqualToTheReference() {
        List<String> sites = List.of("hook_embed", "blocks.0.hook_resid_post", "blocks.1.attn.hook_z", "blocks.1.attn.hook_pattern",
                "blocks.0.mlp.hook_post", "hook_logits");
        Probe probe = ProbeFixtures.create(ID, "sites = [" + String.join(", ", sites.stream().map(s -> "\"" + s + "\"").toList()) + "]");
        ProbeResult result = probe.run(ProbeContext.of(model, Map.of("prompts", prompts)));

        assertThat(result.tensors()).hasSize(sites.size() * prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            ReferenceQwen2.Result expected = reference.forward(prompts.get(i));
            for (String site : sites) {
                TensorData actual = result.tensor(site + "/" + i);
                RefTensor want = expected.get(site);
                assertThat(actual.shape()).as(site).isEqualTo(want.shape());
                assertThat(maxAbsDiff(actual.data(), want)).as(site + " prompt " + i).isLessThan(1e-4);
            }
        }
        assertThat(result.rows()).hasSize(sites.size() * prompts.size());
        assertThat(result.rows().get(0)).containsEntry("site", "hook_embed").containsEntry("prompt", 0).containsEntry("positions", 5);
    }

    @Test
    void aContributionIsResidPostMinusResidPre() {
        ProbeResult result = ProbeFixtures.create(ID, "sites = [\"blocks.1.contribution\"]")
                .run(ProbeContext.of(model, Map.of("prompts", prompts)));
        ReferenceQwen2.Result expected = reference.forward(prompts.get(2));
        double[] post = expected.get("blocks.1.hook_resid_post").data();
        double[] pre = expected.get("blocks.1.hook_resid_pre").data();
        double[] delta = new double[post.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = post[i] - pre[i];
        }
        TensorData actual = result.tensor("blocks.1.contribution/2");
        assertThat(actual.shape()).containsExactly(1, 7, 32);
        assertThat(maxAbsDiff(actual.data(), delta)).isLessThan(1e-4);
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("prompts")).isEqualTo("prompts");
        assertThat(settings.getStringList("sites")).containsExactly("blocks.0.hook_resid_post");
        assertThat(ProbeFixtures.factory(ID).create(settings).describe()).contains("blocks.0.hook_resid_post", "'prompts'");
    }

    @Test
    void aFullMappingResolves() {
        Probe probe = ProbeFixtures.create(ID, "prompts = clean, sites = [\"blocks.1.hook_mlp_out\", \"blocks.0.contribution\"]");
        ProbeResult result = probe.run(ProbeContext.of(model, Map.of("clean", prompts.subList(0, 1))));
        assertThat(result.tensors()).containsOnlyKeys("blocks.1.hook_mlp_out/0", "blocks.0.contribution/0");
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "site = [\"blocks.0.hook_resid_post\"]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-cache.site: unknown key");
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPaths() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "sites = [], prompts = \"\""))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-cache.sites: found []")
                .hasMessageContaining("interp4j.probe.activation-cache.prompts: found \"\"");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "sites = [\"blocks.0.hook_resid_middle\"]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-cache.sites")
                .hasMessageContaining("blocks.0.hook_resid_middle");
    }

    @Test
    void aSiteOutsideTheModelIsNamed() {
        Probe probe = ProbeFixtures.create(ID, "sites = [\"blocks.7.hook_resid_post\"]");
        assertThatThrownBy(() -> probe.run(ProbeContext.of(model, Map.of("prompts", prompts))))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.activation-cache.sites")
                .hasMessageContaining("blocks.7.hook_resid_post")
                .hasMessageContaining("layers 0..1");
    }

    @Test
    void anUnknownPromptSetListsTheKnownSets() {
        Probe probe = ProbeFixtures.create(ID, "prompts = missing");
        assertThatThrownBy(() -> probe.run(ProbeContext.of(model, Map.of("prompts", prompts))))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("prompt set 'missing' is unknown")
                .hasMessageContaining("[prompts]");
    }
}
