package io.interp4j.api.hook;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.Stable;

/**
 * Java code run at a hook point: it sees the activation and returns it, or a replacement of the same
 * shape. Arrays it creates should be attached to {@code activation.getManager()} so they are freed
 * with the run. Never modify the activation in place.
 *
 * @since 0.1
 */
@Stable
@FunctionalInterface
public interface Hook {
    /**
     * Reads or replaces an activation.
     *
     * @param activation the activation, float32, shaped as {@link HookPoint#shape}
     * @param context where in the forward pass this call is
     * @return the activation to continue with (the same array, or a new one of the same shape)
     */
    NDArray apply(NDArray activation, HookContext context);
}
