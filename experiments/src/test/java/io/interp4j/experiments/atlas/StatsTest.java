package io.interp4j.experiments.atlas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The atlas arithmetic on cases small enough to work out by hand. */
class StatsTest {
    @Test
    void logSoftmaxOfAHandDistribution() {
        assertThat(Stats.logSoftmax(new float[] {0, 0})).containsExactly(new double[] {Math.log(0.5), Math.log(0.5)}, within(1e-12));
    }

    @Test
    void familyMeanWeighsFamiliesNotPrompts() {
        double[] values = {1, 2, 3, 10};
        int[][] families = Stats.families(List.of("a", "a", "a", "b"));
        assertThat(families).isDeepEqualTo(new int[][] {{0, 1, 2}, {3}});
        assertThat(Stats.familyMean(values, families)).isEqualTo(6.0);
        assertThat(Stats.families(java.util.Arrays.asList("a", null, "b"))).isDeepEqualTo(new int[][] {{0}, {2}});
    }

    @Test
    void bootstrapIntervalsAreSeededAndCollapseWithoutSpread() {
        double[] constant = {0.3, 0.3, 0.3};
        assertThat(Stats.bootstrapMean(constant, 1)).containsExactly(0.3, 0.3);
        // one prompt per family: every resample is the data itself
        double[] values = {1, 5};
        assertThat(Stats.bootstrapFamilyMean(values, new int[][] {{0}, {1}}, 9)).containsExactly(3.0, 3.0);
        double[] coin = new double[100];
        for (int i = 0; i < coin.length; i += 2) {
            coin[i] = 1;
        }
        double[] ci = Stats.bootstrapMean(coin, 4);
        assertThat(ci).isEqualTo(Stats.bootstrapMean(coin, 4));
        // the mean of 100 fair coins has standard error 0.05: a 95% interval about ±0.1 wide around 0.5
        assertThat(ci[0]).isBetween(0.36, 0.46);
        assertThat(ci[1]).isBetween(0.54, 0.64);
    }

    @Test
    void topKBreaksTiesTowardsTheLowerIndex() {
        assertThat(Stats.topK(new double[] {1, 3, 3, 2}, 2)).containsExactly(1, 2);
        assertThat(Stats.topK(new float[] {5, 1, 5}, 3)).containsExactly(0, 2, 1);
        assertThat(Stats.argmax(new double[] {2, 7, 7})).isEqualTo(1);
    }

    /**
     * Cells resample independently: one stream per cell identity. With one shared seed, two cells holding
     * the same values would always get the same interval; with their own streams they do not, while one
     * cell's interval is the same whatever other cells exist.
     */
    @Test
    void everyCellHasItsOwnRandomStream() {
        double[] values = new double[40];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 7919 % 40) / 40.0;
        }
        int[][] families = {java.util.stream.IntStream.range(0, 40).toArray()};
        double[] layer0 = Stats.bootstrapFamilyMean(values, families, Stats.cellSeed(1, "row", "model", 0));
        double[] layer1 = Stats.bootstrapFamilyMean(values, families, Stats.cellSeed(1, "row", "model", 1));
        assertThat(layer0).isNotEqualTo(layer1);
        assertThat(Stats.bootstrapFamilyMean(values, families, Stats.cellSeed(1, "row", "model", 0))).isEqualTo(layer0);
        assertThat(Stats.cellSeed(1, "row", "model", 0)).isNotEqualTo(Stats.cellSeed(2, "row", "model", 0))
                .isNotEqualTo(Stats.cellSeed(1, "row", "other", 0))
                // the parts are separated: ("ab", "c") is not ("a", "bc")
                .isNotEqualTo(Stats.cellSeed(1, "ro", "wmodel", 0));
        // 1,000 cells: no two seeds alike
        java.util.Set<Long> seeds = new java.util.HashSet<>();
        for (int cell = 0; cell < 1000; cell++) {
            seeds.add(Stats.cellSeed(7, "head-specialisation", "a", cell));
        }
        assertThat(seeds).hasSize(1000);
    }

    @Test
    void aPointIntervalIsFlaggedAsDegenerate() {
        AtlasRows rows = new AtlasRows("Steering leverage");
        rows.value("steering.delta", Protocol.CORRECTED, "a", 0.2487, "0.2487", new double[] {0.2487, 0.2487});
        rows.value("steering.delta", Protocol.CORRECTED, "b", 0.3, "0.3", new double[] {0.1, 0.5});
        List<List<Object>> flags = rows.tables().get(1).rows();
        assertThat(flags).singleElement().satisfies(f -> {
            assertThat(f.get(2)).isEqualTo("a");
            assertThat(f.get(3)).isEqualTo("degenerate-interval");
            assertThat((String) f.get(4)).contains("steering.delta is the point [0.2487, 0.2487]");
        });
    }

    /**
     * Coverage on a case with a known answer: prompts drawn from normal distributions of known means, the
     * 95% intervals computed 300 times; the true value must fall inside about 95% of them (at least 88%,
     * four Monte Carlo standard errors below). For the selection-aware interval the truth is the largest
     * true mean, with the largest cell chosen again in every resample.
     */
    @Test
    void intervalsCoverTheTrueValueOnSimulatedData() {
        java.util.Random truth = new java.util.Random(11);
        double[] means = {0.0, 0.3, 1.0};
        int prompts = 40;
        int runs = 300;
        int meanCovered = 0;
        int maxCovered = 0;
        int[][] families = {java.util.stream.IntStream.range(0, prompts).toArray()};
        for (int run = 0; run < runs; run++) {
            double[][] cells = new double[means.length][prompts];
            for (int c = 0; c < means.length; c++) {
                for (int p = 0; p < prompts; p++) {
                    cells[c][p] = means[c] + truth.nextGaussian();
                }
            }
            double[] ci = Stats.bootstrapMean(cells[2], Stats.cellSeed(run, "mean"));
            if (ci[0] <= means[2] && means[2] <= ci[1]) {
                meanCovered++;
            }
            int selected = 0;
            for (int c = 1; c < means.length; c++) {
                if (Stats.mean(cells[c]) > Stats.mean(cells[selected])) {
                    selected = c;
                }
            }
            Stats.Selection selection = Stats.bootstrapSelection(families, means.length,
                    (c, drawn) -> Stats.familyMean(cells[c], drawn), selected, Stats.cellSeed(run, "max"));
            if (selection.low() <= means[2] && means[2] <= selection.high()) {
                maxCovered++;
            }
            assertThat(selection.stability()).isBetween(0.0, 1.0);
        }
        assertThat(meanCovered / (double) runs).as("coverage of a mean's interval").isGreaterThanOrEqualTo(0.88);
        assertThat(maxCovered / (double) runs).as("coverage of the selected maximum's interval").isGreaterThanOrEqualTo(0.88);
    }

    /** A clear winner is selected in (almost) every resample; a tie is not. */
    @Test
    void selectionStabilitySeparatesAClearWinnerFromATie() {
        int[][] families = {java.util.stream.IntStream.range(0, 20).toArray()};
        double[][] clear = new double[2][20];
        double[][] tie = new double[2][20];
        java.util.Random random = new java.util.Random(5);
        for (int p = 0; p < 20; p++) {
            clear[0][p] = random.nextGaussian() * 0.1;
            clear[1][p] = 5 + random.nextGaussian() * 0.1;
            tie[0][p] = random.nextGaussian();
            tie[1][p] = random.nextGaussian();
        }
        assertThat(Stats.bootstrapSelection(families, 2, (c, d) -> Stats.familyMean(clear[c], d), 1, 3).stability()).isEqualTo(1.0);
        double split = Stats.bootstrapSelection(families, 2, (c, d) -> Stats.familyMean(tie[c], d), 0, 3).stability();
        assertThat(split).isBetween(0.05, 0.95);
    }
}
