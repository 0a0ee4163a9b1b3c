package io.interp4j.experiments.atlas.steering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The span control on hand-computable sentences. */
class SpanControlsTest {
    /**
     * Positives e1 and e2, one negative at the origin: the differences e1, e2 and (e1 + e2) / 2 span the
     * (x1, x2) plane, so every control has x3 = x4 = 0, the norm asked for, and over many seeds points
     * every way in the plane (its mean direction is near 0, not v = (0.5, 0.5)).
     */
    @Test
    void controlsAreUniformDirectionsOfThePlaneTheDifferencesSpan() {
        SpanControls span = new SpanControls(new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}}, new double[][] {{0, 0, 0, 0}});
        assertThat(span.rank()).isEqualTo(2);
        double[] sum = new double[4];
        int draws = 4000;
        for (int draw = 0; draw < draws; draw++) {
            // the row's seeds are Stats.cellSeed's (well mixed; java.util.Random's first draws from consecutive small seeds
            // are correlated)
            float[] c = span.control(SteeringLeverage.controlSeed(1, "m", 0, draw), 4, 2.5);
            assertThat(c[2]).isZero();
            assertThat(c[3]).isZero();
            assertThat(Math.hypot(c[0], c[1])).isCloseTo(2.5, within(1e-6));
            for (int i = 0; i < 4; i++) {
                sum[i] += c[i] / 2.5 / draws;
            }
        }
        // the mean of uniform unit directions in a plane is 0 (standard error about 0.011 per coordinate)
        assertThat(sum[0]).isCloseTo(0, within(0.05));
        assertThat(sum[1]).isCloseTo(0, within(0.05));
    }

    /** Three positives and two negatives in general position: five differences with one linear relation, rank 4. */
    @Test
    void theSpanHasOneDimensionFewerThanTheSentences() {
        SpanControls span = new SpanControls(
                new double[][] {{1, 2, 0, 0, 0, 1}, {0, 1, 3, 0, 1, 0}, {2, 0, 0, 1, 0, 0}},
                new double[][] {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 2}});
        assertThat(span.rank()).isEqualTo(4);
    }

    /** Identical sentences leave nothing to span: the control is zero, as the vector is. */
    @Test
    void identicalSentencesGiveAZeroControl() {
        SpanControls span = new SpanControls(new double[][] {{1, 2}, {1, 2}}, new double[][] {{1, 2}});
        assertThat(span.rank()).isZero();
        assertThat(span.control(7, 2, 0)).containsExactly(0f, 0f);
    }
}
