package io.interp4j.engine.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.model.AbstractRun;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;

/** One scope of hooks, caches and result arrays on a {@link DjlModel}. */
final class DjlRun extends AbstractRun {
    private final DjlModel model;
    private final Qwen2Forward forward;

    DjlRun(DjlModel model, NDManager manager) {
        super(model.config(), manager);
        this.model = model;
        this.forward = new Qwen2Forward(model.config(), model.weights());
    }

    @Override
    public ForwardResult forward(int[][] tokens) {
        checkOpen();
        Decoding.checkTokens(model.config(), tokens);
        NDArray logits = forward.run(new Qwen2Forward.Pass(tokens, null, hooks(), manager(), manager(), 0));
        return new ForwardResult(logits, hooks().takeCache());
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        checkOpen();
        requireNonNull(options, "options is null");
        try (NDManager scope = manager().newSubManager();
                KvCache cache = options.useKvCache() ? new KvCache(scope, model.config().numLayers()) : null) {
            return Decoding.greedy(model.config(), prompt, options, (tokens, step) -> {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = forward.run(new Qwen2Forward.Pass(new int[][] {tokens}, cache, hooks(), stepScope, null, step));
                    return logits.get(new NDIndex(0, tokens.length - 1)).toFloatArray();
                }
            });
        }
    }

}
