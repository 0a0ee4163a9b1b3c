package io.interp4j.interventions.steering;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TestProbes;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SteeringFactoryTest extends TinyModelTest {
    private static final String ID = "steering";
    private static final int D = TinyModels.CONFIG.hiddenSize();

    private static float[] v;
    private static String vectorFile;
    private static String narrowFile;

    @BeforeAll
    static void writeMore() {
        v = TinyModels.gaussian(D, 5);
        vectorFile = write(dir, "v.safetensors", v);
        narrowFile = write(dir, "narrow.safetensors", TinyModels.gaussian(16, 6));
        models.probes.answer("mean-difference", "direction", TensorData.vector(TinyModels.gaussian(D, 7)));
    }

    /** Writes one float32 vector as tensor "direction" of a safetensors file; returns its path as a HOCON string. */
    static String write(Path in, String name, float[] values) {
        Path file = in.resolve(name);
        SafetensorsWriter.write(file, List.of(new SafetensorsWriter.Entry("direction", DType.F32, new long[] {values.length}, () -> values)), Map.of());
        return ConfigFactory.parseMap(Map.of("f", file.toString())).getValue("f").render();
    }

    @Test
    void addsScaleTimesAFileVectorAtTheLastPosition() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan(ID, "layer = 0, scale = 3, vector { from = file, file = " + vectorFile + " }"), "clean", 0);

        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(0, HookSite.RESID_POST), t -> Ref.addRows(t, 3, v, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void addsAProbesDirectionPassingItsSettingsAsGiven() {
        int[] tokens = models.prompt("corrupt", 0);
        models.probes.takeCalls();
        InterventionPlan plan = plan(ID, "site = attn-out, layer = 1, positions = all, scale = -1.5,"
                + " vector { probe-settings { positive = clean, negative = corrupt, layer = 1 } }");
        float[] engine = models.run(plan, "corrupt", 0);

        List<TestProbes.Call> calls = models.probes.takeCalls();
        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("mean-difference");
            assertThat(call.settings()).isEqualTo(ConfigFactory.parseString("positive = clean, negative = corrupt, layer = 1"));
        });
        float[] direction = TinyModels.gaussian(D, 7);
        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(1, HookSite.ATTN_OUT), t -> Ref.addRows(t, -1.5, direction, Ref.all(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));

        plan.resolve(models.context("corrupt", 1));
        assertThat(models.probes.takeCalls()).as("the direction is computed once per model and prompt sets").isEmpty();
    }

    @Test
    void aRandomControlHasTheGivenNormAndSeedAndOneHeadsWidthAtAHeadSite() {
        InterventionPlan plan = plan(ID, "site = head, layer = 1, heads = [1], scale = 2, vector { from = random, seed = 3, norm = 0.5 }");
        Intervention steer = plan.resolve(models.context("clean", 1)).get(0);
        TensorData random = steer.value().orElseThrow();

        assertThat(random.shape()).containsExactly(TinyModels.CONFIG.headDim());
        assertThat(random.norm()).isCloseTo(0.5, offset(1e-6));
        assertThat(plan.resolve(models.context("clean", 0)).get(0).value()).contains(random);
        assertThat(plan(ID, "layer = 1, vector { from = random, seed = 4 }").resolve(models.context("clean", 0)).get(0).value().orElseThrow())
                .satisfies(other -> assertThat(other.shape()).containsExactly(D))
                .satisfies(other -> assertThat(other.norm()).isCloseTo(1.0, offset(1e-6)));

        int[] tokens = models.prompt("clean", 1);
        float[] engine = TinyModels.logits(models.base, List.of(steer), tokens);
        float[] slice = random.data();
        RefTensor expected = models.reference(tokens, Map.of(HookPoint.block(1, HookSite.ATTN_Z), t -> Ref.editHead(t, 1, (row, old) -> {
            for (int i = 0; i < old.length; i++) {
                old[i] += 2 * slice[i];
            }
            return old;
        }, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void aVectorOfTheWrongWidthIsRefusedNamingTheSiteAndBothShapes() {
        assertThatThrownBy(() -> plan(ID, "layer = 0, vector { from = file, file = " + narrowFile + " }").resolve(models.context("clean", 0)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith("steering (vector from file ")
                .hasMessageEndingWith("tensor 'direction'): intervention at 'blocks.0.hook_resid_post': value has shape [16];"
                        + " allowed: a vector [32] or an activation [1, pos, 32]");
    }

    @Test
    void printsAsOneLineAndAsHoconThatReadsBack() {
        InterventionPlan plan = plan(ID, "layer = 0, scale = 4, vector { from = file, file = " + vectorFile + " }");
        Intervention steer = plan.resolve(models.context("clean", 0)).get(0);

        assertThat(plan.describe()).startsWith("steering: add 4.0 × v at blocks.0.hook_resid_post, positions last, v from file ")
                .endsWith("v.safetensors tensor 'direction'");
        assertThat(steer.describe(TinyModels.CONFIG)).startsWith("add 4.0 × v[32] (‖v‖ = ")
                .endsWith(" tensor 'direction') at blocks.0.hook_resid_post, positions last");
        assertThat(Intervention.fromConfig(ConfigFactory.parseString(steer.toHocon()))).isEqualTo(steer);
    }

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getDouble("scale")).isEqualTo(1.0);
        assertThat(defaults.getString("positions")).isEqualTo("last");
        assertThat(defaults.getString("vector.from")).isEqualTo("probe");
        assertThat(defaults.getString("vector.probe-id")).isEqualTo("mean-difference");
        assertThatThrownBy(() -> new SteeringFactory().create(defaults)).hasMessageContaining("interp4j.intervention.steering.layer");

        Intervention steer = plan(ID, "layer = 2").resolve(models.context("clean", 0)).get(0);
        assertThat(steer.operation()).isEqualTo(Operation.ADD);
        assertThat(steer.scale()).isEqualTo(1.0);
        assertThat(steer.positions()).isEqualTo(Positions.LAST);
        assertThat(steer.source()).isEqualTo("probe 'mean-difference' tensor 'direction'");
    }

    @Test
    void aFullMappingResolves() {
        InterventionPlan plan = plan(ID, "site = mlp-out, layer = 1, positions = [0, -1], heads = [], scale = -0.5,"
                + " vector { from = random, probe-id = mean-difference, probe-settings = null, tensor = direction, file = null,"
                + " seed = 9, norm = 2.5 }");
        Intervention steer = plan.resolve(models.context("clean", 0)).get(0);

        assertThat(steer.scale()).isEqualTo(-0.5);
        assertThat(steer.positions()).isEqualTo(Positions.of(0, -1));
        assertThat(steer.value().orElseThrow().norm()).isCloseTo(2.5, offset(1e-5));
        assertThat(plan.describe()).isEqualTo("steering: add -0.5 × v at blocks.1.hook_mlp_out, positions [0, -1],"
                + " v from random Gaussian, seed 9, norm 2.5");
    }

    @Test
    void unknownKeysAreRejectedAtEveryLevelButProbeSettingsPassThrough() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, strength = 2"))
                .hasMessageContaining("interp4j.intervention.steering.strength: unknown key");
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { colour = red }"))
                .hasMessageContaining("interp4j.intervention.steering.vector.colour: unknown key");
        assertThat(plan(ID, "layer = 1, vector { probe-settings { anything = 1 } }").describe()).contains("probe 'mean-difference'");
    }

    @Test
    void invalidValuesAreRejectedWithTheirPaths() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, scale = big"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.intervention.steering.scale: expected number, found \"big\"");
        assertThatThrownBy(() -> plan(ID, "layer = 1, scale = 1e999, vector { from = magic, norm = -1 }"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.intervention.steering.scale: found Infinity; allowed: a finite number")
                .hasMessageContaining("interp4j.intervention.steering.vector.from: found \"magic\"; allowed: probe, file, random")
                .hasMessageContaining("interp4j.intervention.steering.vector.norm: found -1; allowed: a number > 0");
    }

    @Test
    void fileSettingsAreCheckedWhenThePlanIsCreated() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { from = file }"))
                .hasMessage("interp4j.intervention.steering.vector.file: found null; allowed: a path to a .safetensors file when vector.from = file");
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { file = " + vectorFile + " }"))
                .hasMessageContaining("interp4j.intervention.steering.vector.file: found ")
                .hasMessageContaining("allowed: null when vector.from = probe");
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { from = random, probe-settings { layer = 1 } }"))
                .hasMessageContaining("interp4j.intervention.steering.vector.probe-settings: found {\"layer\":1}; allowed: null when vector.from = random");
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { from = file, file = " + vectorFile + ", tensor = steer }"))
                .hasMessageContaining("interp4j.intervention.steering.vector.tensor: found \"steer\"; allowed: a tensor of ")
                .hasMessageEndingWith("which holds [direction]");
        assertThatThrownBy(() -> plan(ID, "layer = 1, vector { from = file, file = no-such.safetensors }"))
                .hasMessageStartingWith("interp4j.intervention.steering.vector.file: found \"no-such.safetensors\"; allowed: a readable .safetensors file (");
    }

    @Test
    void aLayerTheModelLacksFailsWhenResolved() {
        assertThatThrownBy(() -> plan(ID, "layer = 3, vector { from = random }").resolve(models.context("clean", 0)))
                .hasMessage("steering (vector from random Gaussian, seed 0, norm 1.0): site 'blocks.3.hook_resid_post': layer 3 is out of range;"
                        + " this model has layers 0..2");
    }
}
