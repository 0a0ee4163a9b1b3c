package io.interp4j.api.hook;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.ErrorCode;
import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import io.interp4j.api.model.BatchLayout;

/**
 * Where a hook is being called.
 *
 * @param point the hook point
 * @param firstPosition the sequence position of the activation's first query row: 0 for a full
 *     forward, the number of cached positions during KV-cached generation
 * @param keyLength the number of positions attended to (cached plus new)
 * @param step 0 for a forward or a generation's prefill, n for the n-th generated token's step
 * @param layout where each batch row's real positions lie in the activation's position axis (a padded
 *     batch); {@code null} when every row fills it
 * @since 0.1
 */
@Stable
public record HookContext(HookPoint point, int firstPosition, int keyLength, int step, BatchLayout layout) {
    /**
     * A context for a batch whose rows fill every position.
     *
     * @param point the hook point
     * @param firstPosition the sequence position of the first query row
     * @param keyLength the number of positions attended to
     * @param step the step
     */
    public HookContext(HookPoint point, int firstPosition, int keyLength, int step) {
        this(point, firstPosition, keyLength, step, null);
    }

    /** Validates the context. */
    public HookContext {
        requireNonNull(point, "point is null");
        if (firstPosition < 0 || keyLength < firstPosition || step < 0) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "invalid hook context: firstPosition " + firstPosition
                    + ", keyLength " + keyLength + ", step " + step);
        }
    }
}
