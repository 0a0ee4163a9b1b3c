package io.interp4j.api.hook;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Activations recorded at chosen hook points during one forward, after any hooks at those points ran.
 * The arrays belong to the run that produced them and are freed when it closes.
 *
 * @since 0.1
 */
@Stable
public final class ActivationCache {
    private final Map<HookPoint, NDArray> activations;

    /**
     * Creates a cache.
     *
     * @param activations the recorded activations
     */
    public ActivationCache(Map<HookPoint, NDArray> activations) {
        this.activations = Collections.unmodifiableMap(new TreeMap<>(activations));
    }

    /**
     * Returns the activation at a hook point.
     *
     * @param point the hook point
     * @return the activation
     * @throws Interp4jException naming the hook point and what was cached when it was not cached
     */
    public NDArray get(HookPoint point) {
        NDArray value = activations.get(point);
        if (value == null) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook point '" + point + "' was not cached; cached: " + activations.keySet());
        }
        return value;
    }

    /**
     * Returns the activation at a named hook point.
     *
     * @param name e.g. {@code blocks.0.hook_resid_post}
     * @return the activation
     */
    public NDArray get(String name) {
        return get(HookPoint.parse(name));
    }

    /**
     * Returns the cached hook points, in forward order.
     *
     * @return the hook points
     */
    public Set<HookPoint> points() {
        return activations.keySet();
    }

    /**
     * Returns all activations, in forward order.
     *
     * @return hook point to activation, unmodifiable
     */
    public Map<HookPoint, NDArray> asMap() {
        return activations;
    }
}
