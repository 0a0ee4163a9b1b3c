package io.interp4j.api.hook;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.Internal;

/**
 * Reads the final activation at a hook point, after every hook there has run; it cannot replace it.
 * The array is valid only during the call.
 *
 * @since 0.1
 */
@Internal
@FunctionalInterface
public interface HookObserver {
    /**
     * Sees an activation.
     *
     * @param activation the activation as the forward continues with it
     * @param context where in the forward pass this call is
     */
    void accept(NDArray activation, HookContext context);
}
