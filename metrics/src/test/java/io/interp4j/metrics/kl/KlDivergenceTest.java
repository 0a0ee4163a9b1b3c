package io.interp4j.metrics.kl;

import static io.interp4j.metrics.Logits.compare;
import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Distributions;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KlDivergenceTest extends MetricContract {
    private static final float LN2 = (float) Math.log(2);
    private static final float LN3 = (float) Math.log(3);
    /** Logits [0, ln2, ln3] give P = [1, 2, 3] / 6 = [1/6, 1/3, 1/2]. */
    private static final float[] ONE_TWO_THREE = {0, LN2, LN3};
    /** Equal logits give the uniform U = [1/3, 1/3, 1/3]. */
    private static final float[] UNIFORM = {0, 0, 0};

    @Override
    protected String id() {
        return "kl-divergence";
    }

    @Override
    protected String fullMapping() {
        return "direction = intervened-to-reference, positions = [0, -1]";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("direction = sideways", "direction", "positions = middle", "positions", "positions = []", "positions",
                "positions = [1.5]", "positions", "direction = 3", "direction");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(ONE_TWO_THREE, UNIFORM);
    }

    @Test
    void referenceToIntervenedOfKnownDistributions() {
        // KL(P ‖ U) = 1/6·ln((1/6)/(1/3)) + 1/3·ln(1) + 1/2·ln((1/2)/(1/3))
        //           = −ln2/6 + (ln3 − ln2)/2 = ½·ln3 − ⅔·ln2 = 0.549306 − 0.462098 = 0.0872080
        MetricResult r = metric().compute(compare(ONE_TWO_THREE, UNIFORM));
        assertThat(r.value()).isCloseTo(0.0872080, within(1e-6));
        assertThat(r.unit()).isEqualTo("nats");
        assertThat(r.details()).containsEntry("positions", 1.0).containsKey("position-0");
    }

    @Test
    void swappedDirectionGivesTheOtherDivergence() {
        // KL(U ‖ P) = ⅓·[ln((1/3)/(1/6)) + ln(1) + ln((1/3)/(1/2))] = ⅓·(ln2 + ln(2/3)) = (2·ln2 − ln3)/3 = 0.0958940
        assertThat(metric("direction = intervened-to-reference").compute(compare(ONE_TWO_THREE, UNIFORM)).value())
                .isCloseTo(0.0958940, within(1e-6));
        // the same number with the inputs exchanged under the published direction
        assertThat(metric().compute(compare(UNIFORM, ONE_TWO_THREE)).value()).isCloseTo(0.0958940, within(1e-6));
    }

    @Test
    void equalLogitsGiveZero() {
        assertThat(metric().compute(compare(ONE_TWO_THREE, ONE_TWO_THREE)).value()).isZero();
    }

    @Test
    void zeroProbabilityWhereThePredictionHasMassIsInfinityAndZeroLogZeroIsZero() {
        float[] noMiddle = {0, Float.NEGATIVE_INFINITY, 0};
        // P = U, Q = [½, 0, ½]: the middle term is ⅓·(ln⅓ − ln0) = +∞, reported, not clamped
        assertThat(metric().compute(compare(UNIFORM, noMiddle)).value()).isEqualTo(Double.POSITIVE_INFINITY);
        // reversed, P = [½, 0, ½]: the middle term is 0·log 0 = 0, leaving 2·½·ln((1/2)/(1/3)) = ln 1.5 = 0.405465
        assertThat(metric("direction = intervened-to-reference").compute(compare(UNIFORM, noMiddle)).value())
                .isCloseTo(0.4054651, within(1e-6));
    }

    @Test
    void severalPositionsAreAveraged() {
        LogitComparison input = LogitComparison.of(rows(ONE_TWO_THREE, UNIFORM, UNIFORM), rows(UNIFORM, UNIFORM, ONE_TWO_THREE));
        // position 0: KL(P ‖ U) = 0.0872080; position 1: 0; position 2: KL(U ‖ P) = 0.0958940
        assertThat(metric().compute(input).value()).isCloseTo(0.0958940, within(1e-6));
        assertThat(metric("positions = first").compute(input).value()).isCloseTo(0.0872080, within(1e-6));
        MetricResult all = metric("positions = all").compute(input);
        assertThat(all.value()).isCloseTo((0.0872080 + 0.0958940) / 3, within(1e-6));
        assertThat(all.details().get("position-1")).isZero();
        assertThat(all.details()).containsEntry("positions", 3.0);
        // [0, -1] = positions 0 and 2; a repeated position (2 and -1) counts once
        assertThat(metric("positions = [0, -1, 2]").compute(input).value()).isCloseTo((0.0872080 + 0.0958940) / 2, within(1e-6));
    }

    @Test
    void positionOutsideTheSequenceIsAnError() {
        assertThatThrownBy(() -> metric("positions = [3]").compute(sampleInput()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("kl-divergence")
                .hasMessageContaining("interp4j.metric.kl-divergence.positions")
                .hasMessageContaining("1 positions");
    }

    @Test
    void nanLogitGivesNaN() {
        assertThat(metric().compute(compare(of(0, Float.NaN, 0), UNIFORM)).value()).isNaN();
    }

    @Test
    void matchesAnIndependentDoublePrecisionSoftmaxOnRandomLogits() {
        Random random = new Random(7);
        int vocab = 2000;
        float[] p = new float[vocab];
        float[] q = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            p[i] = (float) (random.nextGaussian() * 3);
            q[i] = (float) (random.nextGaussian() * 3);
        }
        // slow reference: probabilities as exp(x) / Σ exp(x) in double, KL = Σ p·ln(p/q)
        double zp = 0;
        double zq = 0;
        for (int i = 0; i < vocab; i++) {
            zp += Math.exp(p[i]);
            zq += Math.exp(q[i]);
        }
        double expected = 0;
        for (int i = 0; i < vocab; i++) {
            double pi = Math.exp(p[i]) / zp;
            expected += pi * Math.log(pi / (Math.exp(q[i]) / zq));
        }
        assertThat(metric().compute(compare(p, q)).value()).isCloseTo(expected, within(1e-5 * expected));
    }

    private static float[] randomLogits(Random random, int vocab) {
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        return logits;
    }

    @Test
    void aReferenceComparedManyTimesGivesTheBitsOfEachComparisonFromScratch() {
        Random random = new Random(11);
        int vocab = 3000;
        float[] clean = randomLogits(random, vocab);
        Metric metric = metric();
        double first = Double.NaN;
        for (int run = 0; run < 5; run++) {
            float[] intervened = randomLogits(random, vocab);
            // a new but equal reference tensor each time, as a row hands over one clean run's logits
            double value = metric.compute(compare(clean.clone(), intervened)).value();
            assertThat(value).as("run %d", run).isEqualTo(Distributions.kl(clean, intervened));
            first = run == 0 ? value : first;
        }
        // a reference one logit away from the prepared one is not taken for it
        float[] changed = clean.clone();
        changed[17] += 1;
        float[] intervened = randomLogits(new Random(11), vocab);
        assertThat(metric.compute(compare(changed, intervened)).value()).isEqualTo(Distributions.kl(changed, intervened));
        assertThat(metric.compute(compare(clean, intervened)).value()).isEqualTo(Distributions.kl(clean, intervened));
        // and under the other direction, where P is the run that changes every time
        Metric reversed = metric("direction = intervened-to-reference");
        for (int run = 0; run < 3; run++) {
            float[] other = randomLogits(random, vocab);
            assertThat(reversed.compute(compare(clean, other)).value()).isEqualTo(Distributions.kl(other, clean));
        }
    }

    @Test
    void describeStatesDirectionPositionsAndUnits() {
        assertThat(metric().describe()).contains("KL(P_reference ‖ P_intervened)", "nats", "last position", "float32", "Infinity");
        assertThat(metric("direction = intervened-to-reference, positions = all").describe())
                .contains("KL(P_intervened ‖ P_reference)", "all positions");
    }
}
