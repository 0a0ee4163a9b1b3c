package io.interp4j.api.metric;

import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import io.interp4j.api.model.ModelConfig;
import java.util.List;

/**
 * A configured metric.
 *
 * @since 0.1
 */
@Stable
public interface Metric {
    /**
     * Returns the kind of observation this metric reads.
     *
     * @return one of the {@link MetricInput} records
     */
    Class<? extends MetricInput> inputType();

    /**
     * Computes the metric.
     *
     * @param input an observation of {@link #inputType()}
     * @return the value with its unit and details
     * @throws io.interp4j.api.Interp4jException when the input is of another type or malformed
     */
    MetricResult compute(MetricInput input);

    /**
     * States exactly what is computed, for reports: formula, direction, positions, units.
     *
     * @return e.g. {@code KL(reference ‖ intervened) in nats at the last position}
     */
    String describe();

    /**
     * Checks the settings against the model the metric will read, before anything runs (e.g. a top-k
     * larger than the vocabulary), so the problem is reported with the study's validation instead of
     * in the middle of a run. Loads nothing.
     *
     * @param model the architecture of the model whose logits the metric reads
     * @return every problem, each at its setting's config path under {@code interp4j.metric.<id>} ({@link
     *     io.interp4j.api.plugin.PluginKind#problemPath}; the caller moves it to where the user wrote the
     *     settings); empty if none
     * @since 0.3
     */
    default List<Problem> checkAgainst(ModelConfig model) {
        return List.of();
    }

    /**
     * Says whether the metric reads {@link MetricInput.LogitComparison#target()}, so that a caller can
     * check before anything runs that every task's target is one token under its spelling rule.
     *
     * @return true when {@link #compute} fails without a target token
     * @since 0.1
     */
    default boolean readsTarget() {
        return false;
    }

    /**
     * Says whether the metric reads {@link MetricInput.LogitComparison#wrongTarget()} as well.
     *
     * @return true when {@link #compute} fails without a wrong-target token
     * @since 0.1
     */
    default boolean readsWrongTarget() {
        return false;
    }
}
