package io.interp4j.interventions.ablation;

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
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TestProbes;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MeanAblationFactoryTest extends TinyModelTest {
    private static final String ID = "mean-ablation";



    @BeforeEach
    void forgetProbeCalls() {
        models.probes.takeCalls();
    }

    /** The mean over every position of a set's prompts, from the reference, in double precision. */
    private static double[] referenceMean(String set, Function<io.interp4j.testkit.ReferenceQwen2.Result, RefTensor> at) {
        return Ref.meanRow(models.sets.get(set).stream().map(p -> at.apply(models.baseReference.forward(p))).toList());
    }

    @Test
    void replacesTheLayerOutputWithItsMeanOverThePromptSet() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan(ID, "layer = 1"), "clean", 0);

        HookPoint residPost = HookPoint.block(1, HookSite.RESID_POST);
        double[] mean = referenceMean("reference", r -> r.get(residPost));
        RefTensor expected = models.reference(tokens, Map.of(residPost, t -> Ref.setRows(t, mean, Ref.all(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void replacesOneHeadAtTheLastPositionWithThatHeadsMean() {
        int[] tokens = models.prompt("clean", 1);
        float[] engine = models.run(plan(ID, "site = head, layer = 1, heads = [2], positions = last"), "clean", 1);

        HookPoint z = HookPoint.block(1, HookSite.ATTN_Z);
        double[] mean = referenceMean("reference", r -> r.get(z));
        int dh = TinyModels.CONFIG.headDim();
        double[] head2 = Arrays.copyOfRange(mean, 2 * dh, 3 * dh);
        RefTensor expected = models.reference(tokens, Map.of(z, t -> Ref.editHead(t, 2, (row, old) -> head2, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void replacesABlocksContributionWithItsMeanContribution() {
        int[] tokens = models.prompt("corrupt", 2);
        float[] engine = models.run(plan(ID, "site = contribution, layer = 0, prompts = clean"), "corrupt", 2);
        assertThat(models.probes.takeCalls()).singleElement().satisfies(call -> assertThat(call.settings().getStringList("sites"))
                .as("a contribution is no hook point: its mean is mean(resid_post) - mean(resid_pre)")
                .containsExactly("blocks.0.hook_resid_pre", "blocks.0.hook_resid_post"));

        HookPoint pre = HookPoint.block(0, HookSite.RESID_PRE);
        HookPoint post = HookPoint.block(0, HookSite.RESID_POST);
        double[] mean = referenceMean("clean", r -> Ref.minus(r.get(post), r.get(pre)));
        RefTensor[] residPre = new RefTensor[1];
        RefTensor expected = models.reference(tokens, Map.of(
                pre, t -> residPre[0] = t,
                post, t -> {
                    double[] data = residPre[0].data();
                    for (int i = 0; i < data.length; i++) {
                        data[i] += mean[i % mean.length];
                    }
                    return new RefTensor(t.shape(), data);
                }));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void asksTheActivationStatsProbeOnceForEveryPromptOfASet() {
        InterventionPlan plan = plan(ID, "site = mlp-out, layer = 2, prompts = corrupt");
        Intervention first = plan.resolve(models.context("clean", 0)).get(0);
        Intervention second = plan.resolve(models.context("clean", 1)).get(0);

        List<TestProbes.Call> calls = models.probes.takeCalls();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).id()).isEqualTo("activation-stats");
        assertThat(calls.get(0).settings()).isEqualTo(ConfigFactory.parseMap(Map.of("sites", List.of("blocks.2.hook_mlp_out"), "prompts", "corrupt")));
        assertThat(second).isEqualTo(first);
        assertThat(first.operation()).isEqualTo(Operation.REPLACE);
        assertThat(first.value().orElseThrow().shape()).containsExactly(TinyModels.CONFIG.hiddenSize());
        assertThat(first.source()).isEqualTo("mean over prompt set 'corrupt' (3 prompts, activation-stats)");
        assertThat(first.describe(TinyModels.CONFIG)).startsWith("replace with v[32] (‖v‖ = ")
                .endsWith("; mean over prompt set 'corrupt' (3 prompts, activation-stats)) at blocks.2.hook_mlp_out, positions all");
    }

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getString("prompts")).isEqualTo("reference");
        assertThatThrownBy(() -> new MeanAblationFactory().create(defaults)).hasMessageContaining("interp4j.intervention.mean-ablation.layer");

        InterventionPlan plan = plan(ID, "layer = 0");
        assertThat(plan.describe()).isEqualTo("mean-ablation: replace blocks.0.hook_resid_post, positions all"
                + " with the mean activation over prompt set 'reference'");
        assertThat(plan.resolve(models.context("clean", 0))).singleElement()
                .satisfies(i -> assertThat(i.positions()).isEqualTo(Positions.ALL));
    }

    @Test
    void aFullMappingResolves() {
        InterventionPlan plan = plan(ID, "site = head, layer = 2, positions = [0, 2], heads = [0, 3], prompts = resample");
        Intervention mean = plan.resolve(models.context("clean", 0)).get(0);

        assertThat(mean.site().name()).isEqualTo("blocks.2.attn.hook_z");
        assertThat(mean.positions()).isEqualTo(Positions.of(0, 2));
        assertThat(mean.heads()).containsExactly(0, 3);
        assertThat(mean.value().orElseThrow().shape()).containsExactly(TinyModels.CONFIG.numHeads(), TinyModels.CONFIG.headDim());
        assertThat(mean.describe(TinyModels.CONFIG)).contains("heads 0 (KV 0), 3 (KV 1)");
    }

    @Test
    void anUnknownKeyIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, prompt-set = clean"))
                .hasMessageContaining("interp4j.intervention.mean-ablation.prompt-set: unknown key");
    }

    @Test
    void anInvalidPromptSetNameIsRejected() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, prompts = \" \""))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.intervention.mean-ablation.prompts: found \" \"; allowed: a non-empty string");
    }

    @Test
    void anUnknownPromptSetFailsWhenResolved() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, prompts = nowhere").resolve(models.context("clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith("mean-ablation: interp4j.intervention.mean-ablation.prompts: prompt set 'nowhere' is unknown; known sets: [");
    }

    @Test
    void aLayerTheModelLacksFailsBeforeAnyProbeRuns() {
        assertThatThrownBy(() -> plan(ID, "layer = 7").resolve(models.context("clean", 0)))
                .hasMessage("mean-ablation: site 'blocks.7.hook_resid_post': layer 7 is out of range; this model has layers 0..2");
        assertThat(models.probes.takeCalls()).isEmpty();
    }
}
