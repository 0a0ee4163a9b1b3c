package io.interp4j.api.model;

import ai.djl.ndarray.NDManager;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import java.util.Collection;
import java.util.List;

/**
 * A run that forwards every call, default methods included (interventions reach the engine's own
 * implementation), to another; the fluent methods return this wrapper. Subclasses override what they
 * change.
 *
 * @since 0.1
 */
@Stable
public abstract class ForwardingRun implements Run {
    /**
     * Returns the run calls go to.
     *
     * @return the delegate
     */
    protected abstract Run delegate();

    @Override
    public Run hook(HookPoint point, Hook hook) {
        delegate().hook(point, hook);
        return this;
    }

    @Override
    public Run hook(String name, Hook hook) {
        delegate().hook(name, hook);
        return this;
    }

    @Override
    public Run observe(HookPoint point, HookObserver observer) {
        delegate().observe(point, observer);
        return this;
    }

    @Override
    public Run cache(Collection<HookPoint> points) {
        delegate().cache(points);
        return this;
    }

    @Override
    public Run cacheAll() {
        delegate().cacheAll();
        return this;
    }

    @Override
    public ForwardResult forward(int[][] tokens) {
        return delegate().forward(tokens);
    }

    @Override
    public ForwardResult forward(ForwardInput input) {
        return delegate().forward(input);
    }

    @Override
    public ForwardResult forward(int... tokens) {
        return forward(new int[][] {tokens});
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        return delegate().generate(prompt, options);
    }

    @Override
    public Run intervene(Intervention intervention) {
        delegate().intervene(intervention);
        return this;
    }

    @Override
    public ModelConfig config() {
        return delegate().config();
    }

    @Override
    public NDManager manager() {
        return delegate().manager();
    }

    @Override
    public List<HookPoint> hookPoints() {
        return delegate().hookPoints();
    }

    @Override
    public void close() {
        delegate().close();
    }
}
