package io.interp4j.api.metric;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import java.util.Map;

/**
 * A metric's value.
 *
 * @param value the number
 * @param unit its unit ({@code nats}, {@code probability}, {@code ratio}, {@code tokens/s}, …)
 * @param details named supporting numbers (e.g. the reference-side value, how many prompts counted)
 * @since 0.1
 */
@Stable
public record MetricResult(double value, String unit, Map<String, Double> details) {
    /** Copies the details. */
    public MetricResult {
        requireNonNull(unit, "unit is null");
        details = Map.copyOf(requireNonNull(details, "details is null"));
    }

    /**
     * Creates a result without details.
     *
     * @param value the number
     * @param unit its unit
     * @return the result
     */
    public static MetricResult of(double value, String unit) {
        return new MetricResult(value, unit, Map.of());
    }
}
