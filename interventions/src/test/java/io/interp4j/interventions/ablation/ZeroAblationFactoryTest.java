package io.interp4j.interventions.ablation;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ZeroAblationFactoryTest extends TinyModelTest {
    private static final String ID = "zero-ablation";



    // --- end to end against the reference ----------------------------------------------------------

    @Test
    void zeroesTheResidualStreamAfterBlock0AtTheLastPosition() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan(ID, "layer = 0, positions = last"), "clean", 0);

        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(0, HookSite.RESID_POST), t -> Ref.zeroRows(t, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void zeroingTheContributionPassesTheResidualStreamThrough() {
        int[] tokens = models.prompt("clean", 1);
        float[] engine = models.run(plan(ID, "site = contribution, layer = 1"), "clean", 1);

        RefTensor[] residPre = new RefTensor[1];
        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(1, HookSite.RESID_PRE), t -> residPre[0] = t,
                HookPoint.block(1, HookSite.RESID_POST), t -> residPre[0]));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void zeroesOneQueryHeadUnderGroupedQueryAttention() {
        int[] tokens = models.prompt("clean", 2);
        InterventionPlan plan = plan(ID, "site = head, layer = 1, heads = [1]");
        float[] engine = models.run(plan, "clean", 2);

        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(1, HookSite.ATTN_Z), t -> Ref.editHead(t, 1, (row, old) -> new double[old.length], Ref.all(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void zeroesTheMlpOutputAtTheFirstPosition() {
        int[] tokens = models.prompt("corrupt", 0);
        float[] engine = models.run(plan(ID, "site = mlp-out, layer = 0, positions = first"), "corrupt", 0);

        RefTensor expected = models.reference(tokens, Map.of(HookPoint.block(0, HookSite.MLP_OUT), t -> Ref.zeroRows(t, 0)));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void zeroesTheAttentionOutputAtListedPositions() {
        int[] tokens = models.prompt("corrupt", 1);
        float[] engine = models.run(plan(ID, "site = attn-out, layer = 2, positions = [1, -1]"), "corrupt", 1);

        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(2, HookSite.ATTN_OUT), t -> Ref.zeroRows(t, 1, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void aSiteNameTakesItsBlockFromLayerThroughThePlaceholderOrNamesItItself() {
        int[] tokens = models.prompt("clean", 0);
        UnaryOperator<RefTensor> zeroAll = t -> Ref.zeroRows(t, Ref.all(tokens));
        RefTensor expected = models.reference(tokens, Map.of(HookPoint.block(1, HookSite.RESID_MID), zeroAll));
        RefTensor clean = models.reference(tokens, Map.of());

        assertMatches(models.run(plan(ID, "site = \"blocks.{L}.hook_resid_mid\", layer = 1"), "clean", 0), expected, clean);
        assertMatches(models.run(plan(ID, "site = blocks.1.hook_resid_mid"), "clean", 0), expected, clean);
    }

    // --- settings ----------------------------------------------------------------------------------

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getString("site")).isEqualTo("layer-output");
        assertThat(defaults.getString("positions")).isEqualTo("all");
        assertThat(defaults.getIsNull("layer")).isTrue();
        assertThatThrownBy(() -> new ZeroAblationFactory().create(defaults))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.intervention.zero-ablation.layer: found null")
                .hasMessageContaining("site 'layer-output' takes its block from layer");

        InterventionPlan plan = plan(ID, "layer = 2");
        assertThat(plan.describe()).isEqualTo("zero-ablation: zero blocks.2.hook_resid_post, positions all");
        assertThat(plan.resolve(models.context("clean", 0))).containsExactly(Intervention.zero(Site.layerOutput(2), Positions.ALL));
    }

    @Test
    void aFullMappingResolves() {
        InterventionPlan plan = plan(ID, "site = head, layer = 1, positions = [0, -1], heads = [1, 3]");

        assertThat(plan.resolve(models.context("clean", 0))).containsExactly(new Intervention(Operation.ZERO,
                new Site.AtHook(HookPoint.block(1, HookSite.ATTN_Z)), Positions.of(0, -1), List.of(1, 3), 1, Optional.empty(), ""));
        assertThat(plan.describe()).isEqualTo("zero-ablation: zero blocks.1.attn.hook_z query heads [1, 3]"
                + " (each reads KV head h / (heads / kv_heads)), positions [0, -1]");
    }

    @Test
    void theResolvedInterventionNamesTheKvHeadEachQueryHeadReadsAndPrintsAsHocon() {
        Intervention zero = plan(ID, "site = head, layer = 1, positions = last, heads = [1, 3]").resolve(models.context("clean", 0)).get(0);

        assertThat(zero.describe(TinyModels.CONFIG)).isEqualTo("zero at blocks.1.attn.hook_z heads 1 (KV 0), 3 (KV 1), positions last");
        assertThat(Intervention.fromConfig(ConfigFactory.parseString(zero.toHocon()))).isEqualTo(zero);
    }

    @Test
    void anUnknownKeyIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, head = [1]"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.intervention.zero-ablation.head: unknown key");
    }

    @Test
    void invalidValuesAreReportedTogether() {
        assertThatThrownBy(() -> plan(ID, "site = nowhere, layer = -1, positions = middle, heads = [1, 1]"))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("interp4j.intervention.zero-ablation.layer: found -1; allowed: an integer >= 0")
                .hasMessageContaining("interp4j.intervention.zero-ablation.positions: found \"middle\"; allowed: all, first, last")
                .hasMessageContaining("interp4j.intervention.zero-ablation.heads: found [1,1]; allowed: a list of distinct integers >= 0");
        assertThatThrownBy(() -> plan(ID, "site = nowhere, layer = 1"))
                .hasMessageContaining("interp4j.intervention.zero-ablation.site: found \"nowhere\"; allowed: layer-output, contribution,"
                        + " attn-out, mlp-out, head, or a site name");
    }

    @Test
    void headsAreRequiredForTheHeadSiteAndRefusedWhereThereAreNone() {
        assertThatThrownBy(() -> plan(ID, "site = head, layer = 1"))
                .hasMessageContaining("interp4j.intervention.zero-ablation.heads: found []; allowed: a non-empty list of query-head indices");
        assertThatThrownBy(() -> plan(ID, "site = layer-output, layer = 1, heads = [0]"))
                .hasMessageContaining("interp4j.intervention.zero-ablation.heads: found [0]; allowed: [] at site 'blocks.1.hook_resid_post'");
    }

    @Test
    void aLayerBesideASiteNameWithItsOwnBlockIsRefused() {
        assertThatThrownBy(() -> plan(ID, "site = blocks.1.hook_resid_mid, layer = 2"))
                .hasMessageContaining("interp4j.intervention.zero-ablation.layer: found 2; allowed: null: site 'blocks.1.hook_resid_mid'"
                        + " names its block itself");
    }

    @Test
    void aLayerOrHeadTheModelLacksFailsWhenResolved() {
        assertThatThrownBy(() -> plan(ID, "layer = 3").resolve(models.context("clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("zero-ablation: site 'blocks.3.hook_resid_post': layer 3 is out of range; this model has layers 0..2");
        assertThatThrownBy(() -> plan(ID, "site = head, layer = 0, heads = [4]").resolve(models.context("clean", 0)))
                .hasMessage("zero-ablation: site 'blocks.0.attn.hook_z': head 4 is out of range; allowed 0..3");
        assertThatThrownBy(() -> plan(ID, "site = \"blocks.{L}.attn.hook_v\", layer = 0, heads = [2]").resolve(models.context("clean", 0)))
                .hasMessage("zero-ablation: site 'blocks.0.attn.hook_v': head 2 is out of range; allowed 0..1");
    }
}
