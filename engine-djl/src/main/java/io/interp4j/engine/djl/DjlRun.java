package io.interp4j.engine.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.model.AbstractRun;
import io.interp4j.api.intervention.RowInterventions;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardInput;
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
    public ForwardResult forward(ForwardInput input) {
        checkOpen();
        input.check(model.config());
        BatchLayout layout = input.layout();
        int[][] tokens = layout.pad(input.prompts(), 0);
        Qwen2Forward.Batch batch = new Qwen2Forward.Batch(layout, input.startLayer(), input.residual(), input.logits(),
                RowInterventions.of(input.rowInterventions()));
        try (NDManager scope = manager().newSubManager(); KvCache cache = input.past() == null ? null : new KvCache(scope, model.config().numLayers())) {
            if (cache != null) {
                cache.preload(input.past(), input.startLayer(), input.batch());
            }
            NDArray logits = forward.run(new Qwen2Forward.Pass(tokens, cache, hooks(), manager(), manager(), 0, null, batch));
            return new ForwardResult(logits, hooks().takeCache(), layout);
        }
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
