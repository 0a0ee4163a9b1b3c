package io.interp4j.metrics.generation;

import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.metrics.support.TypedMetric;
import java.util.List;

/** A metric over generations: an empty list has no mean and is a caller's error, not a value. */
abstract class GenerationMetric extends TypedMetric<Generations> {
    GenerationMetric(String id) {
        super(id, Generations.class);
    }

    @Override
    protected final MetricResult computeTyped(Generations input) {
        if (input.items().isEmpty()) {
            throw invalidInput("needs at least one generation, found none");
        }
        return computeItems(input.items());
    }

    /**
     * Computes the metric.
     *
     * @param items the generations, at least one
     * @return the result
     */
    abstract MetricResult computeItems(List<Generated> items);
}
