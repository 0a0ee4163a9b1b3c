package io.interp4j.planner;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;

/**
 * How large the planner's batches and caches may grow.
 *
 * @param batchTokens the most positions one batched forward computes (rows × padded width): bounds the
 *     activations alive at once (a block's MLP holds about {@code batchTokens × d_mlp} floats)
 * @param cacheBytes the most bytes of clean activations (residual streams, keys and values) kept for
 *     reuse at once; prompts are processed in chunks that fit
 */
public record PlannerOptions(int batchTokens, long cacheBytes) {
    /** 1,024 positions per batch, 1 GiB of kept activations. */
    public static final PlannerOptions DEFAULTS = new PlannerOptions(1024, 1L << 30);

    /** Validates the options. */
    public PlannerOptions {
        if (batchTokens < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "planner batch-tokens must be at least 1, found " + batchTokens);
        }
        if (cacheBytes < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "planner cache-bytes must be at least 1, found " + cacheBytes);
        }
    }
}
