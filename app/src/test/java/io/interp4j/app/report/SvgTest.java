package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SvgTest {
    @Test
    void ticksAreRoundStepsInsideTheRange() {
        assertThat(Svg.ticks(0, 2.5, 6)).containsExactly(0, 0.5, 1, 1.5, 2, 2.5);
        assertThat(Svg.ticks(0, 23, 12)).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22);
        assertThat(Svg.ticks(-0.4, 1.3, 6)).containsExactly(0, 0.5, 1);
        assertThat(Svg.ticks(3, 3, 6)).containsExactly(3);
        assertThat(Svg.ticks(-Double.MAX_VALUE, Double.MAX_VALUE, 6)).containsExactly(-Double.MAX_VALUE, Double.MAX_VALUE);
    }

    @Test
    void labelsAnAxisInOneNotation() {
        assertThat(Svg.tickLabels(new double[] {-0.5, 0, 0.5, 1})).containsExactly("-0.5", "0", "0.5", "1");
        assertThat(Svg.tickLabels(new double[] {-0.001, -5e-4, 0, 5e-4, 0.001})).containsExactly("-1e-3", "-5e-4", "0", "5e-4", "1e-3");
        assertThat(Svg.tickLabels(new double[] {0, 5000, 10000})).containsExactly("0", "5e3", "1e4");
    }

    @Test
    void domainsWidenToRoundValues() {
        assertThat(Svg.niceDomain(-0.25, 2.25, 6)).containsExactly(-0.5, 2.5);
        assertThat(Svg.niceDomain(-0.4, 1.3, 6)).containsExactly(-0.5, 1.5);
        assertThat(Svg.niceDomain(0, 0, 6)).containsExactly(-1, 1);
        assertThat(Svg.niceDomain(4, 4, 6)).containsExactly(2, 6);
    }

    @Test
    void sequentialScaleRunsFromDarkPurpleToYellow() {
        assertThat(Svg.sequential(0)).isEqualTo("#440154");
        assertThat(Svg.sequential(0.5)).isEqualTo("#21918c");
        assertThat(Svg.sequential(1)).isEqualTo("#fde725");
        assertThat(Svg.sequential(-3)).isEqualTo("#440154");
        // halfway between the first two stops, #440154 and #472d7b
        assertThat(Svg.sequential(0.0625)).isEqualTo("#461768");
    }

    @Test
    void cutsLongLabels() {
        assertThat(Svg.cut("short", 10)).isEqualTo("short");
        assertThat(Svg.cut("a-very-long-label", 8)).isEqualTo("a-very-…");
        assertThat(Svg.n(12.34)).isEqualTo("12.3");
        assertThat(Svg.n(12.0)).isEqualTo("12");
    }
}
