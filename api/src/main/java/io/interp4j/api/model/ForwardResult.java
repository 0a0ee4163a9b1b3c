package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.ActivationCache;

/**
 * What one forward produced. The arrays belong to the run.
 *
 * @param logits {@code [batch, pos, vocab]}, float32
 * @param cache the activations requested with {@link Run#cache}
 * @since 0.1
 */
@Stable
public record ForwardResult(NDArray logits, ActivationCache cache) {
    /** Validates the result. */
    public ForwardResult {
        requireNonNull(logits, "logits is null");
        requireNonNull(cache, "cache is null");
    }
}
