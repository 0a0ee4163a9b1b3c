package io.interp4j.metrics.selectivity;

import io.interp4j.api.metric.MetricInput.SkillDrops;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.support.TypedMetric;
import java.util.Arrays;
import java.util.Map;

/**
 * Selectivity of a knockout (STUDY.md row 6). The 0.5B seed divided by max(mean non-skill drop, ε)
 * with no absolute value, so a negative non-skill drop made the denominator ε and 11,654 is the skill
 * drop × 10⁶; the 1.5B seed used max(|mean non-skill drop|, ε). Both are kept as named formulas.
 */
final class Selectivity extends TypedMetric<SkillDrops> {
    private final boolean absolute;
    private final double epsilon;

    Selectivity(boolean absolute, double epsilon) {
        super(SelectivityFactory.ID, SkillDrops.class);
        this.absolute = absolute;
        this.epsilon = epsilon;
    }

    @Override
    protected MetricResult computeTyped(SkillDrops input) {
        double skill = Arrays.stream(input.skill()).average().orElseThrow();
        double nonSkill = Arrays.stream(input.nonSkill()).average().orElseThrow();
        double denominator = Math.max(absolute ? Math.abs(nonSkill) : nonSkill, epsilon);
        return new MetricResult(skill / denominator, "ratio", Map.of("mean-skill-drop", skill, "mean-non-skill-drop",
                nonSkill, "denominator", denominator));
    }

    @Override
    public String describe() {
        String denominator = absolute ? "max(|mean non-skill drop|, " + epsilon + ")" : "max(mean non-skill drop, " + epsilon
                + ") with no absolute value";
        return "selectivity, formula " + (absolute ? "absolute" : "published-signed") + ": mean skill drop / " + denominator
                + ", a unitless ratio; a drop is p(scale 0) − p(tested scale) of the target token"
                + (absolute ? "" : "; a negative non-skill drop makes the denominator " + epsilon);
    }
}
