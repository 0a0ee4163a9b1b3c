package io.interp4j.api.model;

import io.interp4j.api.Experimental;

/**
 * The bare matrix products of one forward of a model, on an engine's fastest matrix kernels, for
 * benchmarks' compute floor: every projection of every block ({@code x·Wᵀ} with the checkpoint's own
 * weights, no bias), the two attention products of every block, and the unembedding of every new
 * position; nothing else (no norms, rotary step, softmax or activation function).
 *
 * @since 0.2
 */
@Experimental
public interface MatrixProducts extends AutoCloseable {
    /**
     * Runs the products once for a number of new tokens attending to a number of keys.
     *
     * @param tokens the new positions, at least 1 (1 for a decoded token)
     * @param keys the positions attended to, at least {@code tokens} (the cached ones plus the new)
     * @param unembedded the positions whose logits are computed, 1 to {@code tokens} (a prefill that
     *     reads the last position's logits only: 1)
     * @return the wall-clock milliseconds of that one run
     */
    double millis(int tokens, int keys, int unembedded);

    /** Frees the native memory. */
    @Override
    void close();
}
