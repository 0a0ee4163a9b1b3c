package io.interp4j.probes.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Hand-computable cases. */
class MomentsTest {
    @Test
    void meanAndPopulationStdOfKnownValuesAddedInBatches() {
        Moments m = new Moments(2);
        m.add(new float[] {1, 10, 2, 10});
        m.add(new float[] {3, 10});
        m.add(new float[] {});
        m.add(new float[] {4, 10});
        assertThat(m.count()).isEqualTo(4);
        assertThat(m.mean()).containsExactly(2.5, 10.0);
        // population variance of 1..4 = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
        assertThat(m.std()[0]).isCloseTo(Math.sqrt(1.25), within(1e-15));
        assertThat(m.std()[1]).isZero();
    }

    @Test
    void aLargeOffsetDoesNotCancelTheSpread() {
        Moments m = new Moments(1);
        for (float v : new float[] {65537, 65538, 65539, 65540}) {
            m.add(new float[] {v});
        }
        assertThat(m.mean()[0]).isEqualTo(65538.5);
        assertThat(m.std()[0]).isCloseTo(Math.sqrt(1.25), within(1e-12));
    }
}
