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
     * The bootstrap p-value by hand: resamples {1, 2, 3, 4} (B = 4). At 3.5, one resample lies above
     * and three below: 2·(1 + 1)/5 = 0.8. At 10, none above: 2·(1 + 0)/5 = 0.4, the smallest four resamples
     * can give. At 2.5 the tails are even: 2·(1 + 2)/5 = 1.2, capped at 1.
     */
    @Test
    void theBootstrapPValueCountsTheSmallerTail() {
        Stats.Distribution d = new Stats.Distribution(new double[] {3, 1, 4, 2});
        assertThat(d.sorted()).containsExactly(1, 2, 3, 4);
        assertThat(d.pValue(3.5)).isEqualTo(0.8);
        assertThat(d.pValue(10)).isEqualTo(0.4);
        assertThat(d.pValue(-10)).isEqualTo(0.4);
        assertThat(d.pValue(2.5)).isEqualTo(1.0);
        assertThat(d.pValue(Double.NaN)).isNaN();
        // the interval is the same one bootstrapFamilies reports, from the same resamples
        double[] values = {0.1, 0.7, 0.2, 0.9, 0.4};
        int[][] families = {{0, 1, 2, 3, 4}};
        assertThat(Stats.bootstrapDistribution(families, drawn -> Stats.familyMean(values, drawn), 3).interval())
                .containsExactly(Stats.bootstrapFamilyMean(values, families, 3));
    }

    @Test
    void aTestRowCarriesTheBootstrapPValue() {
        AtlasRows rows = new AtlasRows("MLP dominance");
        rows.test("mlp-dominance.share", "a", 10.0, 1.0, new Stats.Distribution(new double[] {0.5, 1.0, 1.5, 2.0}), "differs");
        List<Object> test = rows.tables().get(2).rows().get(0);
        assertThat(rows.tables().get(2).name()).isEqualTo(AtlasRows.TESTS);
        assertThat(test).containsExactly("MLP dominance", "mlp-dominance.share", "a", 10.0, 1.0, 0.5, 2.0, 0.4, "differs",
                AtlasRows.PUBLISHED_EQUALS_CORRECTED);
        assertThat(rows.tables().get(1).rows()).as("a test is no flag by itself").isEmpty();
    }

    /** (1 + #{θ* ≤ value}) / (B + 1): with B = 4 resamples {-1, 0, 2, 3}, two are at or below 0, so p = 3/5. */
    @Test
    void theOneSidedPValueCountsTheResamplesAtOrBelowTheValue() {
        Stats.Distribution d = new Stats.Distribution(new double[] {2, -1, 3, 0});
        assertThat(d.pValueAbove(0)).isEqualTo(0.6);
        assertThat(d.pValueAbove(-5)).as("every resample above: the smallest p a bootstrap of 4 can show").isEqualTo(0.2);
        assertThat(d.pValueAbove(5)).isEqualTo(1.0);
        assertThat(d.pValueAbove(Double.NaN)).isNaN();
        assertThat(new Stats.Distribution(new double[] {1, Double.NaN}).pValueAbove(0)).isNaN();
    }

    @Test
    void aControlTestRowCarriesTheDifferenceAndTheOneSidedPValue() {
        AtlasRows rows = new AtlasRows("Skill knockout selectivity");
        rows.controlTest("skill-knockout.selectivity", "a", 1.5, new Stats.Distribution(new double[] {-1, 0, 2, 3}), "vector − control");
        List<Object> test = rows.tables().get(2).rows().get(0);
        assertThat(rows.tables().get(2).name()).isEqualTo(AtlasRows.TESTS);
        assertThat(test).containsExactly("Skill knockout selectivity", "skill-knockout.selectivity", "a", null, 1.5, -1.0, 3.0, 0.6,
                "vector − control", AtlasRows.VECTOR_NOT_ABOVE_CONTROL);
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

    /**
     * Coverage of the interval on Δ = b − a with a known true difference of 0.5, 300 simulated studies. Paired:
     * both models measure the same 40 prompts, which share a prompt effect of standard deviation 1 (what the
     * pairing cancels), each model adding noise of 0.3; the paired interval must cover the truth about 95% of the
     * time (at least 88%) and be narrower than an unpaired one on the same data. Unpaired: 30 and 45 different
     * prompts, families of unequal sizes; the unpaired interval must cover too.
     */
    @Test
    void differenceIntervalsCoverAKnownDifference() {
        java.util.Random truth = new java.util.Random(23);
        double delta = 0.5;
        int runs = 300;
        int pairedCovered = 0;
        int unpairedCovered = 0;
        int narrower = 0;
        int[][] shared = {java.util.stream.IntStream.range(0, 20).toArray(), java.util.stream.IntStream.range(20, 40).toArray()};
        int[][] familiesA = {java.util.stream.IntStream.range(0, 10).toArray(), java.util.stream.IntStream.range(10, 30).toArray()};
        int[][] familiesB = {java.util.stream.IntStream.range(0, 30).toArray(), java.util.stream.IntStream.range(30, 45).toArray()};
        for (int run = 0; run < runs; run++) {
            double[] a = new double[40];
            double[] b = new double[40];
            for (int p = 0; p < 40; p++) {
                double prompt = truth.nextGaussian();
                a[p] = 0.2 + prompt + 0.3 * truth.nextGaussian();
                b[p] = 0.2 + delta + prompt + 0.3 * truth.nextGaussian();
            }
            double[] paired = Stats.bootstrapDifference(d -> Stats.familyMean(a, d), shared, d -> Stats.familyMean(b, d), shared, true,
                    Stats.cellSeed(run, "paired")).interval();
            double[] unpairedSame = Stats.bootstrapDifference(d -> Stats.familyMean(a, d), shared, d -> Stats.familyMean(b, d), shared,
                    false, Stats.cellSeed(run, "paired")).interval();
            pairedCovered += paired[0] <= delta && delta <= paired[1] ? 1 : 0;
            narrower += paired[1] - paired[0] < unpairedSame[1] - unpairedSame[0] ? 1 : 0;
            double[] x = new double[30];
            double[] y = new double[45];
            for (int p = 0; p < x.length; p++) {
                x[p] = 1.0 + truth.nextGaussian();
            }
            for (int p = 0; p < y.length; p++) {
                y[p] = 1.0 + delta + 2 * truth.nextGaussian();
            }
            double[] unpaired = Stats.bootstrapDifference(d -> Stats.familyMean(x, d), familiesA, d -> Stats.familyMean(y, d), familiesB,
                    false, Stats.cellSeed(run, "unpaired")).interval();
            unpairedCovered += unpaired[0] <= delta && delta <= unpaired[1] ? 1 : 0;
        }
        assertThat(pairedCovered / (double) runs).as("coverage of the paired Δ interval").isGreaterThanOrEqualTo(0.88);
        assertThat(unpairedCovered / (double) runs).as("coverage of the unpaired Δ interval").isGreaterThanOrEqualTo(0.88);
        assertThat(narrower).as("pairing cancels the shared prompt effect").isEqualTo(runs);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Stats.bootstrapDifference(d -> 0, shared, d -> 0, familiesA, true, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same prompts");
    }

    /**
     * The Δ table: paired where both models list the same prompts, unpaired where they do not, last model −
     * first model; a Δ whose resamples all agree is flagged as a point interval, like a cell's.
     */
    @Test
    void theDeltaTablePairsModelsThatMeasuredTheSamePrompts() {
        AtlasRows rows = new AtlasRows("Universal hub layer");
        List<String> prompts = List.of("t1", "t2", "t3", "t4");
        int[][] families = {{0, 1}, {2, 3}};
        double[] a = {1, 2, 3, 4};
        double[] b = {2, 3, 4, 5};
        rows.value("hub.kl", Protocol.CORRECTED, "a", Stats.familyMean(a, families), "2.5", AtlasRows.Sample.familyMean(prompts, families, a, 1));
        rows.value("hub.kl", Protocol.CORRECTED, "b", Stats.familyMean(b, families), "3.5", AtlasRows.Sample.familyMean(prompts, families, b, 2));
        rows.value("hub.router", Protocol.CORRECTED, "a", 2.5, "2.5", AtlasRows.Sample.familyMean(prompts, families, a, 3));
        rows.value("hub.router", Protocol.CORRECTED, "b", 3.0, "3", AtlasRows.Sample.familyMean(List.of("u1", "u2"), new int[][] {{0, 1}},
                new double[] {2, 4}, 4));
        rows.value("hub.layer", Protocol.CORRECTED, "a", 2, "L2");
        List<List<Object>> deltas = rows.tables().stream().filter(t -> t.name().equals(AtlasRows.DELTAS)).findFirst().orElseThrow().rows();
        assertThat(deltas).hasSize(2);
        // b = a + 1 on every prompt: every paired resample gives exactly 1, a point interval
        assertThat(deltas.get(0)).containsExactly("Universal hub layer", "hub.kl", "corrected", "a", "b", 1.0, 1.0, 1.0, "paired");
        assertThat(deltas.get(1).subList(0, 6)).containsExactly("Universal hub layer", "hub.router", "corrected", "a", "b", 0.5);
        assertThat(deltas.get(1).get(8)).isEqualTo("unpaired");
        assertThat((double) deltas.get(1).get(6)).isLessThan(0.5);
        assertThat((double) deltas.get(1).get(7)).isGreaterThan(0.5);
        assertThat(rows.tables().get(1).rows()).singleElement().satisfies(f -> {
            assertThat(f.get(2)).isEqualTo("b − a");
            assertThat(f.get(3)).isEqualTo("degenerate-interval");
            assertThat((String) f.get(4)).contains("Δ hub.kl is the point [1.0, 1.0]");
        });
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
