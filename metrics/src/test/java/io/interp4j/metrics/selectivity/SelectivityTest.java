package io.interp4j.metrics.selectivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.SkillDrops;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectivityTest extends MetricContract {
    /** Skill drops with mean 0.011654, non-skill drops with mean −0.002 (the 0.5B seed's situation). */
    private static final SkillDrops SEED = new SkillDrops(new double[] {0.010, 0.013308}, new double[] {-0.001, -0.003});

    @Override
    protected String id() {
        return "selectivity";
    }

    @Override
    protected String fullMapping() {
        return "formula = absolute, epsilon = 1e-3";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("formula = relative", "formula", "epsilon = 0", "epsilon", "epsilon = -1e-6", "epsilon",
                "epsilon = tiny", "epsilon");
    }

    @Override
    protected MetricInput sampleInput() {
        return SEED;
    }

    @Test
    void publishedSignedFormulaDividesByEpsilonWhenTheNonSkillDropIsNegative() {
        // 0.011654 / max(−0.002, 1e-6) = 0.011654 / 1e-6 = 11654
        MetricResult r = metric().compute(SEED);
        assertThat(r.value()).isCloseTo(11654, within(1e-6));
        assertThat(r.unit()).isEqualTo("ratio");
        assertThat(r.details().get("mean-skill-drop")).isCloseTo(0.011654, within(1e-12));
        assertThat(r.details().get("mean-non-skill-drop")).isCloseTo(-0.002, within(1e-12));
        assertThat(r.details()).containsEntry("denominator", 1e-6);
    }

    @Test
    void absoluteFormulaDividesByTheMagnitude() {
        // 0.011654 / max(|−0.002|, 1e-6) = 0.011654 / 0.002 = 5.827
        assertThat(metric("formula = absolute").compute(SEED).value()).isCloseTo(5.827, within(1e-9));
    }

    @Test
    void bothFormulasAgreeOnAPositiveNonSkillDropAndEpsilonIsTheFloor() {
        SkillDrops positive = new SkillDrops(new double[] {0.3}, new double[] {0.1, 0.2});
        // 0.3 / 0.15 = 2 either way
        assertThat(metric().compute(positive).value()).isCloseTo(2, within(1e-12));
        assertThat(metric("formula = absolute").compute(positive).value()).isCloseTo(2, within(1e-12));
        // 0.3 / max(0.15, 0.5) = 0.6
        assertThat(metric("epsilon = 0.5").compute(positive).value()).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void describeNamesTheFormula() {
        assertThat(metric().describe()).contains("published-signed", "max(mean non-skill drop, 1.0E-6)", "no absolute value");
        assertThat(metric("formula = absolute").describe()).contains("absolute", "max(|mean non-skill drop|, 1.0E-6)");
    }
}
