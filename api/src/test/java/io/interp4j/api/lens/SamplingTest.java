package io.interp4j.api.lens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Temperature, top-k, top-p and the draws on distributions small enough to compute by hand. */
class SamplingTest {
    /** Probabilities 0.1, 0.2, 0.3, 0.4 at temperature 1. */
    private static final float[] LOGITS = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};

    @Test
    void temperatureOneIsTheSoftmax() {
        assertProbabilities(Sampling.seeded(1), 0.1, 0.2, 0.3, 0.4);
    }

    @Test
    void temperatureDividesTheLogits() {
        // logits / 0.5 = 2 ln x, so p ∝ x²: 1, 4, 9, 16 over 30
        assertProbabilities(Sampling.seeded(1).withTemperature(0.5), 1 / 30.0, 4 / 30.0, 9 / 30.0, 16 / 30.0);
    }

    @Test
    void topKKeepsTheKLargestRenormalised() {
        assertProbabilities(Sampling.seeded(1).withTopK(2), 0, 0, 3 / 7.0, 4 / 7.0);
        assertProbabilities(Sampling.seeded(1).withTopK(4), 0.1, 0.2, 0.3, 0.4);
        // a tie at the k-th value keeps both, as Hugging Face's top-k does
        double[] tied = Sampling.seeded(1).withTopK(1).probabilities(new float[] {1, 2, 2, 0});
        assertThat(tied).containsExactly(new double[] {0, 0.5, 0.5, 0}, within(1e-12));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // 0.4 alone falls short of 0.5; 0.4 + 0.3 reaches it
        assertProbabilities(Sampling.seeded(1).withTopP(0.5), 0, 0, 3 / 7.0, 4 / 7.0);
        // 0.4 reaches 0.35 on its own
        assertProbabilities(Sampling.seeded(1).withTopP(0.35), 0, 0, 0, 1);
        // never fewer than one token
        assertProbabilities(Sampling.seeded(1).withTopP(1e-9), 0, 0, 0, 1);
        // top-k first, then top-p of what is left: {0.3, 0.4} → 3/7, 4/7; 4/7 ≥ 0.5 alone
        assertProbabilities(Sampling.seeded(1).withTopK(2).withTopP(0.5), 0, 0, 0, 1);
    }

    @Test
    void greedyTakesTheLowestIndexOfTheLargestLogit() {
        assertThat(Sampling.greedy().next(new float[] {1, 3, 3, 2}, new SplittableRandom(0))).isEqualTo(1);
        assertProbabilities(Sampling.greedy(), 0, 0, 0, 1);
    }

    @Test
    void drawsFollowTheProbabilitiesAndRepeatWithTheSeed() {
        Sampling sampling = Sampling.seeded(3).withTopK(3);
        SplittableRandom random = new SplittableRandom(7);
        int[] counts = new int[4];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) {
            counts[sampling.next(LOGITS, random)]++;
        }
        // top-3 of 0.1..0.4: 2/9, 3/9, 4/9; the standard error of a frequency here is below 0.0025
        assertThat(counts[0]).isZero();
        assertThat(counts[1] / (double) draws).isCloseTo(2 / 9.0, within(0.01));
        assertThat(counts[2] / (double) draws).isCloseTo(3 / 9.0, within(0.01));
        assertThat(counts[3] / (double) draws).isCloseTo(4 / 9.0, within(0.01));
        SplittableRandom a = new SplittableRandom(5);
        SplittableRandom b = new SplittableRandom(5);
        for (int i = 0; i < 100; i++) {
            assertThat(sampling.next(LOGITS, a)).isEqualTo(sampling.next(LOGITS, b));
        }
    }

    @Test
    void outOfRangeSettingsAreRefusedWithTheAllowedRange() {
        assertThatThrownBy(() -> Sampling.seeded(1).withTemperature(-1)).isInstanceOf(Interp4jException.class)
                .hasMessageContaining("temperature must be a finite number >= 0 (0: greedy), found -1.0");
        assertThatThrownBy(() -> Sampling.seeded(1).withTopK(-2)).hasMessageContaining("topK must be >= 0 (0: every token), found -2");
        assertThatThrownBy(() -> Sampling.seeded(1).withTopP(0)).hasMessageContaining("topP must be in (0, 1] (1: every token), found 0.0");
        assertThatThrownBy(() -> Sampling.seeded(1).withTopP(1.5)).hasMessageContaining("found 1.5");
    }

    private static void assertProbabilities(Sampling sampling, double... expected) {
        assertThat(sampling.probabilities(LOGITS)).containsExactly(expected, within(1e-6));
    }
}
