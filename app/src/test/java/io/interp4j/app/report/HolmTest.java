package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HolmTest {
    /**
     * By hand: p = {0.01, 0.04, 0.03, 0.005}, m = 4. Sorted: 0.005 × 4 = 0.02, 0.01 × 3 = 0.03, 0.03 × 2 =
     * 0.06, 0.04 × 1 = 0.04 raised to the running maximum 0.06. At 0.05 the first two sorted tests reject
     * (the 1st and 4th given), the others do not, though 0.03 and 0.04 are below 0.05 unadjusted.
     */
    @Test
    void adjustsAHandComputedFamily() {
        double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005});
        assertThat(adjusted).containsExactly(new double[] {0.03, 0.06, 0.06, 0.02}, within(1e-15));
        assertThat(adjusted[0]).isLessThanOrEqualTo(Holm.ALPHA);
        assertThat(adjusted[3]).isLessThanOrEqualTo(Holm.ALPHA);
        assertThat(adjusted[1]).isGreaterThan(Holm.ALPHA);
        assertThat(adjusted[2]).isGreaterThan(Holm.ALPHA);
    }

    /** A NaN is no test: the family is the other two (0.02 × 2 = 0.04, 0.5), and adjusted values cap at 1. */
    @Test
    void leavesUntestedCellsOutOfTheFamilyAndCapsAtOne() {
        assertThat(Holm.adjust(new double[] {Double.NaN, 0.5, 0.02})).containsExactly(new double[] {Double.NaN, 0.5, 0.04}, within(1e-15));
        assertThat(Holm.adjust(new double[] {0.6, 0.7})).containsExactly(1.0, 1.0);
        assertThat(Holm.adjust(new double[0])).isEmpty();
    }
}
