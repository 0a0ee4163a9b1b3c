package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.interp4j.api.Internal;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import java.util.Collection;
import java.util.List;

/**
 * What every engine's run shares: the hook dispatcher, the manager that owns result arrays, and the
 * open/closed state. Engines implement {@link #forward(int[][])} and {@link #generate}.
 *
 * @since 0.1
 */
@Internal
public abstract class AbstractRun implements Run {
    private final ModelConfig config;
    private final NDManager manager;
    private final HookDispatcher hooks;
    private boolean closed;

    /**
     * Creates a run.
     *
     * @param config the model's architecture
     * @param manager the manager that owns this run's arrays; closed with the run
     */
    protected AbstractRun(ModelConfig config, NDManager manager) {
        this.config = requireNonNull(config, "config is null");
        this.manager = requireNonNull(manager, "manager is null");
        this.hooks = new HookDispatcher(config);
    }

    /**
     * Returns the hooks, observers and cache requests of this run.
     *
     * @return the dispatcher
     */
    protected final HookDispatcher hooks() {
        return hooks;
    }

    /** Fails if the run is closed. */
    protected final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("run is closed");
        }
    }

    @Override
    public Run hook(HookPoint point, Hook hook) {
        checkOpen();
        hooks.add(point, hook);
        return this;
    }

    @Override
    public Run observe(HookPoint point, HookObserver observer) {
        checkOpen();
        hooks.observe(point, observer);
        return this;
    }

    @Override
    public Run cache(Collection<HookPoint> points) {
        checkOpen();
        hooks.cache(points);
        return this;
    }

    @Override
    public Run cacheAll() {
        return cache(hookPoints());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        return HookPoint.all(config);
    }

    @Override
    public void close() {
        closed = true;
        manager.close();
    }
}
