package io.interp4j.engine.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.util.Collection;
import java.util.List;

/** One scope of hooks, caches and result arrays on a {@link DjlModel}. */
final class DjlRun implements Run {
    private final DjlModel model;
    private final NDManager manager;
    private final HookDispatcher hooks;
    private final Qwen2Forward forward;
    private boolean closed;

    DjlRun(DjlModel model, NDManager manager) {
        this.model = model;
        this.manager = manager;
        this.hooks = new HookDispatcher(model.config());
        this.forward = new Qwen2Forward(model.config(), model.weights());
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
        return cache(model.hookPoints());
    }

    @Override
    public ForwardResult forward(int[][] tokens) {
        checkOpen();
        Decoding.checkTokens(model.config(), tokens);
        NDArray logits = forward.run(new Qwen2Forward.Pass(tokens, null, hooks, manager, manager, 0));
        return new ForwardResult(logits, hooks.takeCache());
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        checkOpen();
        requireNonNull(options, "options is null");
        try (NDManager scope = manager.newSubManager();
                KvCache cache = options.useKvCache() ? new KvCache(scope, model.config().numLayers()) : null) {
            return Decoding.greedy(model.config(), prompt, options, (tokens, step) -> {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = forward.run(new Qwen2Forward.Pass(new int[][] {tokens}, cache, hooks, stepScope, null, step));
                    return logits.get(new NDIndex(0, tokens.length - 1)).toFloatArray();
                }
            });
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("run is closed");
        }
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        return model.hookPoints();
    }

    @Override
    public void close() {
        closed = true;
        manager.close();
    }
}
