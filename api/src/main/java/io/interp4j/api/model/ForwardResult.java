package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.ActivationCache;

/**
 * What one forward produced. The arrays belong to the run.
 *
 * @param logits {@code [batch, pos, vocab]}, float32
 * @param cache the activations requested with {@link Run#cache}, laid out like the padded input
 * @param layout where each row's real positions lie along the position axis of the cached activations
 *     (and of the logits when every position's logits were asked for)
 * @since 0.1
 */
@Stable
public record ForwardResult(NDArray logits, ActivationCache cache, BatchLayout layout) {
    /**
     * A result whose rows fill every position.
     *
     * @param logits {@code [batch, pos, vocab]}
     * @param cache the activations
     */
    public ForwardResult(NDArray logits, ActivationCache cache) {
        this(logits, cache, BatchLayout.uniform((int) logits.getShape().get(0), (int) logits.getShape().get(1)));
    }

    /** Validates the result. */
    public ForwardResult {
        requireNonNull(logits, "logits is null");
        requireNonNull(cache, "cache is null");
        requireNonNull(layout, "layout is null");
    }
}
