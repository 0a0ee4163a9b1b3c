package io.interp4j.interventions.skip;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class LayerSkipFactoryTest extends TinyModelTest {
    private static final String ID = "layer-skip";



    /** The reference with each listed block's output replaced by its input. */
    private static RefTensor trueSkip(int[] tokens, int... layers) {
        Map<HookPoint, UnaryOperator<RefTensor>> overrides = new HashMap<>();
        for (int layer : layers) {
            RefTensor[] residPre = new RefTensor[1];
            overrides.put(HookPoint.block(layer, HookSite.RESID_PRE), t -> residPre[0] = t);
            overrides.put(HookPoint.block(layer, HookSite.RESID_POST), t -> residPre[0]);
        }
        return models.reference(tokens, overrides);
    }

    @Test
    void trueSkipAndZeroLayerOutputDifferAndEachMatchesItsHandAppliedReference() {
        int[] tokens = models.prompt("clean", 0);
        RefTensor clean = models.reference(tokens, Map.of());
        float[] skipped = models.run(plan(ID, "layers = [1], mode = true-skip"), "clean", 0);
        float[] zeroed = models.run(plan(ID, "layers = [1], mode = zero-layer-output"), "clean", 0);

        assertMatches(skipped, trueSkip(tokens, 1), clean);
        assertMatches(zeroed, models.reference(tokens, Map.of(HookPoint.block(1, HookSite.RESID_POST), RefTensor::zerosLike)), clean);
        assertThat(TinyModels.maxAbsDiff(skipped, zeroed)).isGreaterThan(1e-2);
    }

    @Test
    void skipsSeveralBlocks() {
        int[] tokens = models.prompt("corrupt", 1);
        float[] skipped = models.run(plan(ID, "layers = [0, 2]"), "corrupt", 1);

        assertMatches(skipped, trueSkip(tokens, 0, 2), models.reference(tokens, Map.of()));
    }

    @Test
    void zeroingLayerOutputsErasesThePromptSoOnlyTheLastZeroedBlockMatters() {
        // STUDY.md row 9: configs sharing the last zeroed layer give identical results, whatever the prompt
        float[] a = models.run(plan(ID, "layers = [1], mode = zero-layer-output"), "clean", 0);
        float[] b = models.run(plan(ID, "layers = [0, 1], mode = zero-layer-output"), "clean", 0);
        float[] otherPrompt = models.run(plan(ID, "layers = [1], mode = zero-layer-output"), "reference", 3);
        int vocab = TinyModels.CONFIG.vocabSize();

        assertThat(TinyModels.maxAbsDiff(a, b)).isLessThanOrEqualTo(1e-5);
        assertThat(TinyModels.maxAbsDiff(Arrays.copyOfRange(a, a.length - vocab, a.length),
                Arrays.copyOfRange(otherPrompt, otherPrompt.length - vocab, otherPrompt.length))).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void describesTheTwoModesPlainly() {
        assertThat(plan(ID, "layers = [4, 5]").describe()).isEqualTo("layer-skip: true skip of blocks [4, 5]: each block's contribution"
                + " (attn_out + mlp_out) is zeroed at every position, so the residual stream passes through it unchanged");
        assertThat(plan(ID, "layers = [4, 5], mode = zero-layer-output").describe()).startsWith("layer-skip: zero-layer-output of blocks [4, 5]"
                + " (the published 'skip', NOT a skip)");
    }

    @Test
    void defaultsResolveAndNeedTheLayers() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getString("mode")).isEqualTo("true-skip");
        assertThatThrownBy(() -> new LayerSkipFactory().create(defaults))
                .hasMessage("interp4j.intervention.layer-skip.layers: found []; allowed: a non-empty list of distinct block indices, like [4, 5, 8]");

        assertThat(plan(ID, "layers = [2]").resolve(models.context("clean", 0)))
                .containsExactly(Intervention.zero(new Site.Contribution(2), Positions.ALL));
    }

    @Test
    void aFullMappingResolves() {
        assertThat(plan(ID, "layers = [0, 2], mode = zero-layer-output").resolve(models.context("clean", 0)))
                .containsExactly(Intervention.zero(Site.layerOutput(0), Positions.ALL), Intervention.zero(Site.layerOutput(2), Positions.ALL));
    }

    @Test
    void anUnknownKeyOrAnInvalidValueIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layers = [1], positions = last"))
                .hasMessageContaining("interp4j.intervention.layer-skip.positions: unknown key");
        assertThatThrownBy(() -> plan(ID, "layers = [1, 1], mode = skip"))
                .hasMessageContaining("interp4j.intervention.layer-skip.layers: found [1,1]; allowed: a list of distinct integers >= 0")
                .hasMessageContaining("interp4j.intervention.layer-skip.mode: found \"skip\"; allowed: true-skip, zero-layer-output");
    }

    @Test
    void aBlockTheModelLacksFailsWhenResolved() {
        assertThatThrownBy(() -> plan(ID, "layers = [1, 3]").resolve(models.context("clean", 0)))
                .hasMessage("layer-skip: site 'blocks.3.contribution': layer 3 is out of range; this model has layers 0..2");
    }
}
