package io.interp4j.api.metric;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.plugin.TensorData;
import java.util.List;
import java.util.OptionalInt;

/**
 * The observations metrics read. Each metric accepts one of these records.
 *
 * @since 0.1
 */
@Stable
public sealed interface MetricInput {
    /**
     * Logits of one prompt from a reference run and an intervened run.
     *
     * @param reference {@code [pos, vocab]} logits of the reference (clean) run
     * @param intervened {@code [pos, vocab]} logits of the intervened run, same shape
     * @param target the target token, when the metric needs one
     * @param wrongTarget the contrasting token, for logit differences
     */
    record LogitComparison(TensorData reference, TensorData intervened, OptionalInt target, OptionalInt wrongTarget)
            implements MetricInput {
        /** Checks the shapes. */
        public LogitComparison {
            requireNonNull(reference, "reference is null");
            requireNonNull(intervened, "intervened is null");
            requireNonNull(target, "target is null");
            requireNonNull(wrongTarget, "wrongTarget is null");
            if (reference.shape().length != 2 || !java.util.Arrays.equals(reference.shape(), intervened.shape())) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "logit comparison needs two [pos, vocab] tensors of one shape, found "
                        + java.util.Arrays.toString(reference.shape()) + " and " + java.util.Arrays.toString(intervened.shape()));
            }
        }

        /**
         * Compares two runs without targets.
         *
         * @param reference the reference logits
         * @param intervened the intervened logits
         * @return the input
         */
        public static LogitComparison of(TensorData reference, TensorData intervened) {
            return new LogitComparison(reference, intervened, OptionalInt.empty(), OptionalInt.empty());
        }
    }

    /**
     * Two equally long series, e.g. adapter norm and ablation effect per layer.
     *
     * @param x the first series
     * @param y the second series
     */
    record PairedSeries(double[] x, double[] y) implements MetricInput {
        /** Checks and copies the series. */
        public PairedSeries {
            x = requireNonNull(x, "x is null").clone();
            y = requireNonNull(y, "y is null").clone();
            if (x.length != y.length) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "paired series differ in length: " + x.length + " and " + y.length);
            }
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }
    }

    /**
     * Probability drops (p at scale 0 minus p at the tested scale) on skill and non-skill prompts.
     *
     * @param skill drops on prompts that use the skill
     * @param nonSkill drops on prompts that do not
     */
    record SkillDrops(double[] skill, double[] nonSkill) implements MetricInput {
        /** Checks and copies the drops. */
        public SkillDrops {
            skill = requireNonNull(skill, "skill is null").clone();
            nonSkill = requireNonNull(nonSkill, "nonSkill is null").clone();
            if (skill.length == 0 || nonSkill.length == 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "selectivity needs at least one skill and one non-skill drop");
            }
        }

        @Override
        public double[] skill() {
            return skill.clone();
        }

        @Override
        public double[] nonSkill() {
            return nonSkill.clone();
        }
    }

    /**
     * Two divergences from a target run: of the patched run and of the unpatched base run.
     *
     * @param patched e.g. KL(trained ‖ patched)
     * @param base e.g. KL(trained ‖ base)
     */
    record Divergences(double patched, double base) implements MetricInput {}

    /**
     * Generated continuations.
     *
     * @param items one per prompt
     */
    record Generations(List<Generated> items) implements MetricInput {
        /** Copies the list. */
        public Generations {
            items = List.copyOf(requireNonNull(items, "items is null"));
        }
    }

    /**
     * One generated continuation.
     *
     * @param prompt the prompt text
     * @param text the generated text (prompt excluded)
     * @param newTokens how many tokens were generated
     * @param nanos how long generating them took
     */
    record Generated(String prompt, String text, int newTokens, long nanos) {
        /** Checks the fields. */
        public Generated {
            requireNonNull(prompt, "prompt is null");
            requireNonNull(text, "text is null");
            if (newTokens < 0 || nanos < 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a generation has " + newTokens + " new tokens in "
                        + nanos + " ns; both must be >= 0");
            }
        }
    }
}
