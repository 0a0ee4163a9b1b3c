package io.interp4j.app.report;

import static io.interp4j.app.report.SampleResults.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColourScaleTest {
    private static ColourScale of(double... values) {
        return ColourScale.of(new double[][] {values}, new int[][] {java.util.Arrays.stream(values).mapToInt(v -> 1).toArray()});
    }

    @Test
    void valuesWithinTwoDecadesAreLinear() {
        ColourScale scale = of(0.2, 0.4, 0.6);
        assertThat(scale.describe()).isEqualTo("linear scale");
        assertThat(scale.position(0.2)).isEqualTo(0);
        assertThat(scale.position(0.4)).isCloseTo(0.5, within(1e-12));
        assertThat(scale.position(0.6)).isEqualTo(1);
    }

    @Test
    void positiveValuesSpanningDecadesAreLogarithmic() {
        ColourScale scale = of(1e-4, 1e-2, 1, Double.NaN);
        assertThat(scale.describe()).isEqualTo("log scale");
        assertThat(scale.position(1e-4)).isEqualTo(0);
        assertThat(scale.position(1e-2)).isCloseTo(0.5, within(1e-12));
        assertThat(scale.position(1)).isEqualTo(1);
    }

    @Test
    void valuesSpanningDecadesAroundZeroAreSymmetricLog() {
        ColourScale scale = of(-1, 0, 1e-3, 1);
        assertThat(scale.describe()).isEqualTo("symmetric log scale, linear within ±0.001");
        assertThat(scale.position(-1)).isEqualTo(0);
        assertThat(scale.position(0)).isCloseTo(0.5, within(1e-12));
        // log10(1 + 1e-3 / 1e-3) = log10 2 against log10(1 + 1 / 1e-3) = log10 1001 on either side of zero
        assertThat(scale.position(1e-3)).isCloseTo((Math.log10(2) + Math.log10(1001)) / (2 * Math.log10(1001)), within(1e-12));
        assertThat(scale.position(1)).isEqualTo(1);
    }

    @Test
    void aHeatmapOfContributionsFrom1eMinus5To0point9ShowsTheSmallOnesAndSaysItsScale() {
        Table t = new Table("c", List.of("layer", "head", "share"), List.of(row(0, "h0", 1e-5), row(1, "h0", 1e-3), row(2, "h0", 0.9)));
        Chart chart = new Chart("contributions", ChartType.HEATMAP, "c", "layer", "head", "share");
        String svg = HeatmapSvg.render(chart, ChartData.of(chart, t), "x");
        assertThat(svg).contains(">log scale</text>");
        // 1e-3 sits 2 of log10(0.9 / 1e-5) ≈ 4.95 decades up the scale, not at 0.1 % of it
        double t1 = 2 / (Math.log10(0.9) + 5);
        assertThat(svg).contains("fill=\"" + Svg.sequential(t1) + "\"").contains("fill=\"" + Svg.sequential(0) + "\"")
                .contains("fill=\"" + Svg.sequential(1) + "\"");
    }
}
