package io.interp4j.engine.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.util.Arrays;
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
        checkTokens(tokens);
        NDArray logits = forward.run(new Qwen2Forward.Pass(tokens, null, hooks, manager, manager, 0));
        return new ForwardResult(logits, hooks.takeCache());
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        checkOpen();
        requireNonNull(options, "options is null");
        checkTokens(new int[][] {prompt});
        ModelConfig config = model.config();
        int[] sequence = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
        int length = prompt.length;
        long started = System.nanoTime();
        long prefill = 0;
        try (NDManager scope = manager.newSubManager();
                KvCache cache = options.useKvCache() ? new KvCache(scope, config.numLayers()) : null) {
            for (int step = 0; step < options.maxNewTokens(); step++) {
                int[] input = options.useKvCache() && step > 0
                        ? new int[] {sequence[length - 1]}
                        : Arrays.copyOf(sequence, length);
                int next;
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = forward.run(new Qwen2Forward.Pass(new int[][] {input}, cache, hooks, stepScope, null, step));
                    next = argmax(logits.get(new NDIndex(0, input.length - 1)).toFloatArray());
                }
                sequence[length++] = next;
                if (step == 0) {
                    prefill = System.nanoTime() - started;
                }
                if (options.stopAtEos() && config.eosTokenId().isPresent() && next == config.eosTokenId().getAsInt()) {
                    break;
                }
            }
        }
        long total = System.nanoTime() - started;
        return new Generation(prompt, Arrays.copyOfRange(sequence, prompt.length, length), prefill, total - prefill);
    }

    /** The lowest index of the largest value, as Hugging Face's greedy search picks it. */
    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private void checkTokens(int[][] tokens) {
        requireNonNull(tokens, "tokens is null");
        if (tokens.length == 0 || tokens[0] == null || tokens[0].length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no tokens given; a forward needs at least one token");
        }
        int vocab = model.config().vocabSize();
        for (int[] row : tokens) {
            if (row == null || row.length != tokens[0].length) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "batch rows have different lengths; pad them to one length first");
            }
            for (int id : row) {
                if (id < 0 || id >= vocab) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + id + " is out of range; allowed 0.." + (vocab - 1));
                }
            }
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
