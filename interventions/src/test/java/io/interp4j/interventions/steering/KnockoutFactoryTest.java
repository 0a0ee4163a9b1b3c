package io.interp4j.interventions.steering;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KnockoutFactoryTest extends TinyModelTest {
    private static final String ID = "knockout";
    private static final int D = TinyModels.CONFIG.hiddenSize();

    private static float[] v;
    private static String vectorFile;

    @BeforeAll
    static void writeMore() {
        v = TinyModels.gaussian(D, 21);
        vectorFile = SteeringFactoryTest.write(dir, "v.safetensors", v);
        models.probes.answer("mean-difference", "direction", TensorData.vector(v));
    }

    private static double scale(String hocon) {
        return plan(ID, hocon).resolve(models.context("clean", 0)).get(0).scale();
    }

    @Test
    void theEffectiveScaleIsMinusTheAbsoluteScale() {
        assertThat(scale("layer = 1")).isEqualTo(-2.0);
        assertThat(scale("layer = 1, scale = 2")).isEqualTo(-2.0);
        assertThat(scale("layer = 1, scale = -2")).isEqualTo(-2.0);
        assertThat(scale("layer = 1, scale = 0.25")).isEqualTo(-0.25);
        assertThat(plan(ID, "layer = 1, scale = -8").describe())
                .isEqualTo("knockout: add -8.0 × v (knockout: scale -8.0 taken as −|scale|) at blocks.1.hook_resid_post, positions last,"
                        + " v from probe 'mean-difference' tensor 'direction'");
    }

    @Test
    void subtractsTheDirectionAtTheLastPosition() {
        int[] tokens = models.prompt("clean", 2);
        float[] engine = models.run(plan(ID, "layer = 2, scale = 2, vector { from = file, file = " + vectorFile + " }"), "clean", 2);

        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(2, HookSite.RESID_POST), t -> Ref.addRows(t, -2, v, Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
        float[] steered = models.run(plan("steering", "layer = 2, scale = 2, vector { from = file, file = " + vectorFile + " }"), "clean", 2);
        assertThat(TinyModels.maxAbsDiff(engine, steered)).isGreaterThan(1e-3);
    }

    @Test
    void defaultsResolveAndNeedOnlyALayer() {
        var defaults = PluginSettings.resolve(PluginKind.INTERVENTION, ID, ConfigFactory.empty());
        assertThat(defaults.getDouble("scale")).isEqualTo(2.0);
        assertThat(defaults.getString("positions")).isEqualTo("last");
        assertThat(defaults.getString("vector.from")).isEqualTo("probe");
        assertThatThrownBy(() -> new KnockoutFactory().create(defaults)).hasMessageContaining("interp4j.intervention.knockout.layer");
    }

    @Test
    void aFullMappingResolves() {
        Intervention knockout = plan(ID, "site = contribution, layer = 0, positions = all, heads = [], scale = 4,"
                + " vector { from = probe, probe-id = mean-difference, probe-settings { layer = 0 }, tensor = direction, file = null,"
                + " seed = 0, norm = 1 }").resolve(models.context("clean", 0)).get(0);

        assertThat(knockout.site().name()).isEqualTo("blocks.0.contribution");
        assertThat(knockout.scale()).isEqualTo(-4.0);
        assertThat(knockout.value()).contains(TensorData.vector(v));
    }

    @Test
    void anUnknownKeyOrAnInvalidValueIsRejectedWithItsPath() {
        assertThatThrownBy(() -> plan(ID, "layer = 1, sign = negative"))
                .hasMessageContaining("interp4j.intervention.knockout.sign: unknown key");
        assertThatThrownBy(() -> plan(ID, "layer = 1, scale = lots"))
                .hasMessageContaining("interp4j.intervention.knockout.scale: expected number, found \"lots\"");
    }
}
