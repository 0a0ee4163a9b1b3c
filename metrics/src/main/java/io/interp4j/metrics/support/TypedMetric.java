package io.interp4j.metrics.support;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricResult;

/**
 * A metric that reads one kind of {@link MetricInput}: checks the input's type once, so each metric
 * only handles its own record, and words every input error with the metric's id.
 *
 * @param <I> the input record read
 */
public abstract class TypedMetric<I extends MetricInput> implements Metric {
    private final String id;
    private final Class<I> type;

    /**
     * Creates the metric.
     *
     * @param id the metric id, for messages
     * @param type the input record read
     */
    protected TypedMetric(String id, Class<I> type) {
        this.id = requireNonNull(id, "id is null");
        this.type = requireNonNull(type, "type is null");
    }

    @Override
    public final Class<? extends MetricInput> inputType() {
        return type;
    }

    @Override
    public final MetricResult compute(MetricInput input) {
        if (!type.isInstance(input)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "metric '" + id + "' reads MetricInput."
                    + type.getSimpleName() + ", found " + (input == null ? "null" : "MetricInput." + input.getClass().getSimpleName()));
        }
        return computeTyped(type.cast(input));
    }

    /**
     * Computes the metric from its own input record.
     *
     * @param input the input
     * @return the result
     */
    protected abstract MetricResult computeTyped(I input);

    /**
     * Returns the metric id.
     *
     * @return the id
     */
    protected final String id() {
        return id;
    }

    /**
     * Creates an error about a malformed input, prefixed with the metric id.
     *
     * @param message what was found and what is allowed
     * @return the exception to throw
     */
    protected final Interp4jException invalidInput(String message) {
        return new Interp4jException(ErrorCode.INVALID_ARGUMENT, "metric '" + id + "': " + message);
    }

    @Override
    public String toString() {
        return id + ": " + describe();
    }
}
