package io.interp4j.experiments.atlas.knockout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.experiments.atlas.Stats;
import org.junit.jupiter.api.Test;

/**
 * The knockout's vector-versus-control test on drops small enough to work out by hand: prompts 0 and 1 are
 * the skill prompts, 2 and 3 the non-skill ones; selectivity = mean skill drop / max(mean |non-skill drop|,
 * floor). The drops are exact in binary, so ties at 0 are ties.
 */
class VersusControlsTest {
    private static final int[][] GROUPS = {{0, 1}, {2, 3}};
    private static final double FLOOR = 1e-6;
    /** Selectivity 1 in every resample: skill 0.5, |non-skill| 0.5. */
    private static final double[] CONTROL_ONE = {0.5, 0.5, 0.5, 0.5};
    /** Selectivity 3 in every resample: skill 1.5, |non-skill| 0.5 (the signs differ, the absolute values do not). */
    private static final double[] CONTROL_THREE = {1.5, 1.5, 0.5, -0.5};

    /**
     * The vector's selectivity is 4 in every resample, the controls' 1 and 3: a resample draws controls
     * {1, 1}, {1, 3}, {3, 1} or {3, 3}, so vector − control is 3, 2, 2 or 1, never at or below 0: p is the
     * smallest a bootstrap of B resamples can show, 1 / (B + 1).
     */
    @Test
    void aVectorAboveEveryDrawOfItsControlsHasTheSmallestPValue() {
        double[] vector = {2, 2, 0.5, -0.5};
        double[][] controls = {CONTROL_ONE, CONTROL_THREE};
        assertThat(VersusControls.difference(vector, controls, GROUPS, FLOOR)).isCloseTo(2.0, within(1e-12));
        Stats.Distribution d = VersusControls.distribution(vector, controls, GROUPS, FLOOR, 5);
        assertThat(d.pValueAbove(0)).isEqualTo(1.0 / (Stats.BOOTSTRAP_RESAMPLES + 1));
        assertThat(d.interval()).containsExactly(new double[] {1, 3}, within(1e-12));
    }

    /**
     * The vector's selectivity is 2, between its controls' 1 and 3: vector − control is 1, 0, 0 or −1 with
     * chances 1/4, 1/2, 1/4, so 3/4 of the resamples are at or below 0 and p ≈ 0.75 (the Monte Carlo standard
     * error at B = 1000 is 0.014). With the controls held fixed the difference would be the point 0 and p = 1:
     * the controls are resampled.
     */
    @Test
    void theControlsAreResampledSoAVectorBetweenThemIsNotShownToBeatThem() {
        double[] vector = {1, 1, 0.5, -0.5};
        double[][] controls = {CONTROL_ONE, CONTROL_THREE};
        assertThat(VersusControls.difference(vector, controls, GROUPS, FLOOR)).isCloseTo(0.0, within(1e-12));
        Stats.Distribution d = VersusControls.distribution(vector, controls, GROUPS, FLOOR, 5);
        assertThat(d.pValueAbove(0)).isCloseTo(0.75, within(0.05));
        assertThat(d.interval()).containsExactly(new double[] {-1, 1}, within(1e-12));
    }

    /**
     * One control of selectivity 0; the vector's skill drops are 0 and 1 over a non-skill mean of 1, so its
     * selectivity is the mean of the two skill prompts drawn: 0, 0.5 or 1 with chances 1/4, 1/2, 1/4. A
     * quarter of the resamples are at 0: p ≈ 0.25. The prompts are resampled, and the same draw serves the
     * vector and its control.
     */
    @Test
    void thePromptsAreResampled() {
        double[] vector = {0, 1, 1, 1};
        double[][] controls = {{0, 0, 1, 1}};
        assertThat(VersusControls.difference(vector, controls, GROUPS, FLOOR)).isCloseTo(0.5, within(1e-12));
        Stats.Distribution d = VersusControls.distribution(vector, controls, GROUPS, FLOOR, 5);
        assertThat(d.pValueAbove(0)).isCloseTo(0.25, within(0.05));
        assertThat(d.interval()).containsExactly(new double[] {0, 1}, within(1e-12));
    }

    @Test
    void aTestNeedsAControl() {
        assertThatThrownBy(() -> VersusControls.distribution(new double[] {1, 1, 1, 1}, new double[0][], GROUPS, FLOOR, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one control");
    }
}
