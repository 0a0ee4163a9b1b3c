package io.interp4j.interventions.patching;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ActivationPatchingFactoryTest extends TinyModelTest {
    private static final String ID = "activation-patching";

    /** A model of another width and depth: d_model 16, 2 blocks. */
    private static Model narrow;

    @BeforeAll
    static void writeMore() {
        RandomCheckpoint.write(dir.resolve("narrow"), ModelConfig.of(260, 16, 32, 2, 4, 2, true), DType.F32, 13);
        narrow = TinyModels.load(dir.resolve("narrow"));
    }

    @AfterAll
    static void closeMore() {
        narrow.close();
    }

    @Test
    void crossModelTransferReplacesTheBaseLayerOutputWithTheTrainedModelsOnTheSamePrompt() {
        int[] tokens = models.prompt("corrupt", 1);
        InterventionPlan plan = plan(ID, "layer = 1, source-model = trained, source-prompts = target, source-index = same");
        float[] engine = models.run(plan, "corrupt", 1);

        HookPoint residPost = HookPoint.block(1, HookSite.RESID_POST);
        RefTensor trained = models.trainedReference.forward(tokens).get(residPost);
        RefTensor expected = models.reference(tokens, Map.of(residPost, t -> trained));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
        assertThat(plan.describe()).isEqualTo("activation-patching: replace blocks.1.hook_resid_post, positions all"
                + " with the activation of model 'trained' on the target prompt itself");
    }

    @Test
    void patchesTheCleanRunsAttentionOutputIntoTheCorruptRunAtOnePosition() {
        int[] tokens = models.prompt("corrupt", 2);
        float[] engine = models.run(plan(ID, "site = attn-out, layer = 0, positions = [2]"), "corrupt", 2);

        HookPoint attnOut = HookPoint.block(0, HookSite.ATTN_OUT);
        double[] clean = Ref.row(models.baseReference.forward(models.prompt("clean", 2)).get(attnOut), 2);
        RefTensor expected = models.reference(tokens, Map.of(attnOut, t -> Ref.setRows(t, clean, 2)));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void patchesABlocksContributionFromTheTrainedModel() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan(ID, "site = contribution, layer = 2, source-model = trained, source-prompts = target"), "clean", 0);

        HookPoint pre = HookPoint.block(2, HookSite.RESID_PRE);
        HookPoint post = HookPoint.block(2, HookSite.RESID_POST);
        var trainedRun = models.trainedReference.forward(tokens);
        RefTensor trainedContribution = Ref.minus(trainedRun.get(post), trainedRun.get(pre));
        RefTensor[] residPre = new RefTensor[1];
        RefTensor expected = models.reference(tokens, Map.of(
                pre, t -> residPre[0] = t,
                post, t -> {
                    double[] sum = residPre[0].data();
                    double[] delta = trainedContribution.data();
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += delta[i];
                    }
                    return new RefTensor(t.shape(), sum);
                }));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getString("source-model")).isEqualTo("self");
        assertThat(defaults.getString("source-prompts")).isEqualTo("clean");
        assertThat(defaults.getString("source-index")).isEqualTo("same");
        assertThatThrownBy(() -> new ActivationPatchingFactory().create(defaults)).hasMessageContaining("interp4j.intervention.activation-patching.layer");

        Intervention patch = plan(ID, "layer = 0").resolve(models.context("corrupt", 1)).get(0);
        assertThat(patch.source()).isEqualTo("activation of prompt 'clean'[1]");
    }

    @Test
    void aFullMappingResolves() {
        InterventionPlan plan = plan(ID, "site = head, layer = 1, positions = last, heads = [0, 2], source-model = trained,"
                + " source-prompts = reference, source-index = 2");
        Intervention patch = plan.resolve(models.context("clean", 0)).get(0);

        assertThat(patch.source()).isEqualTo("activation of model 'trained' on prompt 'reference'[2]");
        assertThat(patch.value().orElseThrow().shape()).containsExactly(1, 7, TinyModels.CONFIG.numHeads(), TinyModels.CONFIG.headDim());
        assertThat(patch.describe(TinyModels.CONFIG)).contains("heads 0 (KV 0), 2 (KV 1), positions last");
    }

    @Test
    void anUnknownKeyIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-layer = 2"))
                .hasMessageContaining("interp4j.intervention.activation-patching.source-layer: unknown key");
    }

    @Test
    void invalidValuesAreRejected() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-model = \"\", source-index = 1.5"))
                .hasMessageContaining("interp4j.intervention.activation-patching.source-model: found \"\"; allowed: a non-empty string")
                .hasMessageContaining("interp4j.intervention.activation-patching.source-index: found 1.5; allowed: same, shift, or an integer >= 0");
    }

    @Test
    void anUnknownSourceModelOrPromptSetFailsNamingTheSetting() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-model = tuned").resolve(models.context("clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("activation-patching: interp4j.intervention.activation-patching.source-model: unknown model 'tuned';"
                        + " known: self, [trained]");
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-prompts = paired").resolve(models.context("clean", 0)))
                .hasMessageStartingWith("activation-patching: interp4j.intervention.activation-patching.source-prompts:"
                        + " prompt set 'paired' is unknown; known sets: [");
    }

    @Test
    void aSourceModelOfAnotherShapeIsRefusedNamingTheSiteAndShapes() {
        Map<String, Model> others = Map.of("narrow", narrow);
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-model = narrow, source-prompts = target")
                .resolve(models.context(models.base, others, "clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("activation-patching: intervention at 'blocks.1.hook_resid_post': value has shape [1, 6, 16];"
                        + " allowed: a vector [32] or an activation [1, pos, 32]");
        assertThatThrownBy(() -> plan(ID, "layer = 2, source-model = narrow, source-prompts = target")
                .resolve(models.context(models.base, others, "clean", 0)))
                .hasMessage("activation-patching: source model 'narrow' on the target prompt itself: site 'blocks.2.hook_resid_post':"
                        + " layer 2 is out of range; this model has layers 0..1");
    }
}
