package io.interp4j.api.train;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import java.nio.file.Path;
import java.util.List;

/**
 * What training produced.
 *
 * @param losses the mean loss of each optimizer step, in order
 * @param seconds wall time
 * @param tokens the (non-padding) tokens processed
 * @param adapter the adapter directory written
 * @since 0.1
 */
@Stable
public record TrainingResult(List<Double> losses, double seconds, long tokens, Path adapter) {
    /** Copies the losses. */
    public TrainingResult {
        losses = List.copyOf(requireNonNull(losses, "losses is null"));
        requireNonNull(adapter, "adapter is null");
    }

    /**
     * Returns tokens per second.
     *
     * @return the training throughput
     */
    public double tokensPerSecond() {
        return seconds == 0 ? 0 : tokens / seconds;
    }
}
