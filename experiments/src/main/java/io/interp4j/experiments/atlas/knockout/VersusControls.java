package io.interp4j.experiments.atlas.knockout;

import io.interp4j.experiments.atlas.Stats;
import java.util.stream.IntStream;

/**
 * The corrected knockout's control as a test: the difference between the vector's selectivity and the mean
 * selectivity of its random control directions, with the bootstrap distribution the study's test table reads.
 * Each resample draws the skill and the non-skill prompts with replacement (within their groups, the same
 * draw for the vector and every control: paired) and the controls with replacement too, so the interval
 * allows for which prompts were asked and for which random directions happened to be drawn.
 */
final class VersusControls {
    private VersusControls() {}

    /**
     * Returns the observed difference, vector − control mean, over all prompts and controls.
     *
     * @param drops the vector's per-prompt drops at the read scale
     * @param controlDrops each control's per-prompt drops at the read scale, at least one
     * @param groups the skill and the non-skill prompts' indices
     * @param floor the selectivity's denominator floor
     * @return the difference
     */
    static double difference(double[] drops, double[][] controlDrops, int[][] groups, double floor) {
        return statistic(drops, controlDrops, groups[0], groups[1], IntStream.range(0, controlDrops.length).toArray(), floor);
    }

    /**
     * Returns the bootstrap distribution of the difference ({@link Stats#bootstrapDistribution}, the controls a
     * third stratum of the resample).
     *
     * @param drops the vector's per-prompt drops at the read scale
     * @param controlDrops each control's per-prompt drops at the read scale, at least one
     * @param groups the skill and the non-skill prompts' indices, neither empty
     * @param floor the selectivity's denominator floor
     * @param seed the cell's seed
     * @return the {@value Stats#BOOTSTRAP_RESAMPLES} resampled differences
     */
    static Stats.Distribution distribution(double[] drops, double[][] controlDrops, int[][] groups, double floor, long seed) {
        if (controlDrops.length == 0) {
            throw new IllegalArgumentException("a test against controls needs at least one control");
        }
        int[][] strata = {groups[0], groups[1], IntStream.range(0, controlDrops.length).toArray()};
        return Stats.bootstrapDistribution(strata, drawn -> statistic(drops, controlDrops, drawn[0], drawn[1], drawn[2], floor), seed);
    }

    private static double statistic(double[] drops, double[][] controlDrops, int[] skill, int[] nonSkill, int[] controls, double floor) {
        int[][] prompts = {skill, nonSkill};
        double control = 0;
        for (int c : controls) {
            control += SkillKnockout.Selectivity.corrected(controlDrops[c], prompts, floor).value();
        }
        return SkillKnockout.Selectivity.corrected(drops, prompts, floor).value() - control / controls.length;
    }
}
