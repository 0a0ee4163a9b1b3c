package io.interp4j.interventions.patching;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResampleAblationFactoryTest extends TinyModelTest {
    private static final String ID = "resample-ablation";



    @Test
    void replacesTheLayerOutputWithTheSameIndexPromptOfTheSourceSet() {
        int[] tokens = models.prompt("clean", 1);
        float[] engine = models.run(plan(ID, "layer = 1"), "clean", 1);

        HookPoint residPost = HookPoint.block(1, HookSite.RESID_POST);
        RefTensor source = models.baseReference.forward(models.prompt("resample", 1)).get(residPost);
        RefTensor expected = models.reference(tokens, Map.of(residPost, t -> source));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void shiftTakesTheNextPromptOfTheTargetsOwnSetWrappingAround() {
        int[] tokens = models.prompt("clean", 2);
        float[] engine = models.run(plan(ID, "site = mlp-out, layer = 0, source-index = shift"), "clean", 2);

        HookPoint mlpOut = HookPoint.block(0, HookSite.MLP_OUT);
        RefTensor source = models.baseReference.forward(models.prompt("clean", 0)).get(mlpOut);
        RefTensor expected = models.reference(tokens, Map.of(mlpOut, t -> source));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void theLastPositionTakesTheLastRowOfALongerSourcePrompt() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan(ID, "layer = 0, positions = last, source-prompts = reference, source-index = 3"), "clean", 0);

        HookPoint residPost = HookPoint.block(0, HookSite.RESID_POST);
        int[] sourceTokens = models.prompt("reference", 3);
        double[] sourceLast = Ref.row(models.baseReference.forward(sourceTokens).get(residPost), Ref.last(sourceTokens));
        RefTensor expected = models.reference(tokens, Map.of(residPost, t -> Ref.setRows(t, sourceLast, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void resamplesOneHeadFromAnotherPrompt() {
        int[] tokens = models.prompt("corrupt", 0);
        float[] engine = models.run(plan(ID, "site = head, layer = 2, heads = [3], source-prompts = clean"), "corrupt", 0);

        HookPoint z = HookPoint.block(2, HookSite.ATTN_Z);
        RefTensor source = models.baseReference.forward(models.prompt("clean", 0)).get(z);
        int dh = TinyModels.CONFIG.headDim();
        int heads = TinyModels.CONFIG.numHeads();
        RefTensor expected = models.reference(tokens, Map.of(z, t -> Ref.editHead(t, 3, (row, old) -> java.util.Arrays.copyOfRange(
                source.data(), (row * heads + 3) * dh, (row * heads + 4) * dh), Ref.all(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getString("source-prompts")).isEqualTo("resample");
        assertThat(defaults.getString("source-index")).isEqualTo("same");
        assertThatThrownBy(() -> new ResampleAblationFactory().create(defaults)).hasMessageContaining("interp4j.intervention.resample-ablation.layer");

        InterventionPlan plan = plan(ID, "layer = 2");
        assertThat(plan.describe()).isEqualTo("resample-ablation: replace blocks.2.hook_resid_post, positions all"
                + " with the activation on the same-index prompt of set 'resample'");
        Intervention resample = plan.resolve(models.context("clean", 1)).get(0);
        assertThat(resample.operation()).isEqualTo(Operation.REPLACE);
        assertThat(resample.source()).isEqualTo("activation of prompt 'resample'[1]");
        assertThat(resample.value().orElseThrow().shape()).containsExactly(1, 6, TinyModels.CONFIG.hiddenSize());
    }

    @Test
    void aFullMappingResolves() {
        InterventionPlan plan = plan(ID, "site = \"blocks.{L}.attn.hook_v\", layer = 0, positions = [1], heads = [1],"
                + " source-prompts = reference, source-index = 0");
        Intervention resample = plan.resolve(models.context("clean", 0)).get(0);

        assertThat(resample.site().name()).isEqualTo("blocks.0.attn.hook_v");
        assertThat(resample.heads()).containsExactly(1);
        assertThat(resample.value().orElseThrow().shape()).containsExactly(1, 5, TinyModels.CONFIG.numKvHeads(), TinyModels.CONFIG.headDim());
        assertThat(plan.describe()).endsWith("with the activation on prompt 0 of set 'reference'");
    }

    @Test
    void anUnknownKeyIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-model = trained"))
                .hasMessageContaining("interp4j.intervention.resample-ablation.source-model: unknown key");
    }

    @Test
    void invalidSourceIndexIsRejected() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-index = other"))
                .hasMessage("interp4j.intervention.resample-ablation.source-index: found \"other\"; allowed: same, shift, or an integer >= 0");
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-index = -1"))
                .hasMessageContaining("interp4j.intervention.resample-ablation.source-index: found -1");
    }

    @Test
    void promptsOfDifferentLengthsCannotBePatchedAtEveryPosition() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-prompts = reference, source-index = 0").resolve(models.context("clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("resample-ablation: with positions = all the source prompt 'reference'[0] must be as long as the target prompt;"
                        + " found 5 tokens for 6; allowed: equally long prompts, or positions such as last");
    }

    @Test
    void aMissingSourcePromptFailsNamingTheSetting() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-index = 3").resolve(models.context("clean", 0)))
                .hasMessage("resample-ablation: interp4j.intervention.resample-ablation.source-index = 3 picks prompt 3 of set 'resample',"
                        + " which has prompts 0..2");
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-prompts = nowhere").resolve(models.context("clean", 0)))
                .hasMessageStartingWith("resample-ablation: interp4j.intervention.resample-ablation.source-prompts: prompt set 'nowhere' is unknown");
        assertThatThrownBy(() -> plan(ID, "layer = 1, source-index = shift").resolve(models.context("single", 0)))
                .hasMessage("resample-ablation: interp4j.intervention.resample-ablation.source-index = shift needs at least 2 prompts"
                        + " in the target's set 'single', found 1");
    }
}
