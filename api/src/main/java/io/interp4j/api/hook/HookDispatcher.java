package io.interp4j.api.hook;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.model.ModelConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hooks and cache requests of one run, and the one place where engines apply them: hooks at a
 * point run in the order they were added, each replacement is checked to keep the activation's shape
 * and type, and the final value is recorded when the point is cached. Engine implementers call
 * {@link #isActive} to skip work and {@link #apply} at every hook point.
 *
 * @since 0.1
 */
@Internal
public final class HookDispatcher {
    private final ModelConfig config;
    private final Map<HookPoint, List<Hook>> hooks = new HashMap<>();
    private final Map<HookPoint, List<HookObserver>> observers = new HashMap<>();
    private final Set<HookPoint> cached = new TreeSet<>();
    private final Map<HookPoint, NDArray> recorded = new LinkedHashMap<>();

    /**
     * Creates an empty dispatcher for a model.
     *
     * @param config the model, against which hook points are checked
     */
    public HookDispatcher(ModelConfig config) {
        this.config = requireNonNull(config, "config is null");
    }

    /**
     * Adds a hook; several hooks at one point run in the order added.
     *
     * @param point the hook point
     * @param hook the hook
     */
    public void add(HookPoint point, Hook hook) {
        requireNonNull(point, "point is null").checkIn(config);
        hooks.computeIfAbsent(point, p -> new ArrayList<>()).add(requireNonNull(hook, "hook is null"));
    }

    /**
     * Adds an observer, which sees the activation after every hook at the point has run, whenever
     * the hooks were added.
     *
     * @param point the hook point
     * @param observer the observer
     */
    public void observe(HookPoint point, HookObserver observer) {
        requireNonNull(point, "point is null").checkIn(config);
        observers.computeIfAbsent(point, p -> new ArrayList<>()).add(requireNonNull(observer, "observer is null"));
    }

    /**
     * Asks for activations at these points to be recorded by the next forward.
     *
     * @param points the hook points
     */
    public void cache(Collection<HookPoint> points) {
        for (HookPoint point : points) {
            requireNonNull(point, "point is null").checkIn(config);
            cached.add(point);
        }
    }

    /**
     * Returns whether a hook or a cache request is set at a point.
     *
     * @param point the hook point
     * @return true if {@link #apply} would do anything there
     */
    public boolean isActive(HookPoint point) {
        return hooks.containsKey(point) || observers.containsKey(point) || cached.contains(point);
    }

    /**
     * Returns every hook point where a hook, observer or cache request is set, in forward order:
     * where an engine that compiles graphs must make the activation visible.
     *
     * @return the active hook points
     */
    public Set<HookPoint> activePoints() {
        Set<HookPoint> active = new TreeSet<>(cached);
        active.addAll(hooks.keySet());
        active.addAll(observers.keySet());
        return active;
    }

    /**
     * Returns every hook point where a hook is set, in forward order: where Java code may replace the
     * activation, so an engine that compiles graphs must stop there. At the other active points the
     * activation is only read (observers, cache requests).
     *
     * @return the hook points with a hook
     * @since 0.2
     */
    public Set<HookPoint> hookedPoints() {
        return new TreeSet<>(hooks.keySet());
    }

    /**
     * Returns whether any hook (not only a cache request) is set.
     *
     * @return true if some hook may replace an activation
     */
    public boolean hasHooks() {
        return !hooks.isEmpty();
    }

    /**
     * Runs the hooks at a point and records the result if the point is cached.
     *
     * @param point the hook point
     * @param activation the activation computed by the engine
     * @param context where the forward is
     * @param cacheManager the manager that takes ownership of a recorded activation, or {@code null}
     *     when this pass records nothing (generation)
     * @return the activation to continue with
     */
    public NDArray apply(HookPoint point, NDArray activation, HookContext context, NDManager cacheManager) {
        NDArray current = activation;
        List<Hook> list = hooks.get(point);
        if (list != null) {
            for (Hook hook : list) {
                NDArray replaced;
                try {
                    replaced = hook.apply(current, context);
                } catch (Interp4jException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook at '" + point + "' failed: " + e, e);
                }
                check(point, current, replaced);
                current = replaced;
            }
        }
        for (HookObserver observer : observers.getOrDefault(point, List.of())) {
            observer.accept(current, context);
        }
        if (cacheManager != null && cached.contains(point)) {
            current.attach(cacheManager);
            recorded.put(point, current);
        }
        return current;
    }

    private static void check(HookPoint point, NDArray expected, NDArray replaced) {
        if (replaced == null) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook at '" + point + "' returned null; return the activation or a replacement of shape "
                    + expected.getShape());
        }
        if (!replaced.getShape().equals(expected.getShape())) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook at '" + point + "' returned shape " + replaced.getShape()
                    + "; the activation there has shape " + expected.getShape() + " and a replacement must match it");
        }
        if (replaced.getDataType() != DataType.FLOAT32) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook at '" + point + "' returned " + replaced.getDataType()
                    + "; a replacement must be float32");
        }
    }

    /**
     * Returns what the last forward recorded and starts a new recording.
     *
     * @return the cache
     */
    public ActivationCache takeCache() {
        ActivationCache cache = new ActivationCache(recorded);
        recorded.clear();
        return cache;
    }
}
