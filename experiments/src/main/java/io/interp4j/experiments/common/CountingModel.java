package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.ForwardingModel;
import io.interp4j.api.model.ForwardingRun;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A study model as the plugins of a step see it: loaded only when first used (a sweep names every
 * study model in its intervention contexts, but most plans read none), and counting the forward passes
 * run through it (a generation counts one per new token). Closing it does nothing: the study owns the
 * model. One instance per model and step, so plans that remember values per model instance keep them.
 */
public final class CountingModel extends ForwardingModel {
    private final Supplier<Model> loader;
    private final ModelConfig config;
    private final LongConsumer onForwards;
    private Model loaded;

    /**
     * Wraps a model.
     *
     * @param loader returns the model, called once on first use
     * @param config the model's architecture, known without loading it
     * @param onForwards told how many forward passes each call ran
     */
    public CountingModel(Supplier<Model> loader, ModelConfig config, LongConsumer onForwards) {
        this.loader = requireNonNull(loader, "loader is null");
        this.config = requireNonNull(config, "config is null");
        this.onForwards = requireNonNull(onForwards, "onForwards is null");
    }

    @Override
    protected synchronized Model delegate() {
        if (loaded == null) {
            loaded = requireNonNull(loader.get(), "loaded model is null");
        }
        return loaded;
    }

    /** Known without loading the model. */
    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Run newRun() {
        Run run = delegate().newRun();
        return new ForwardingRun() {
            @Override
            protected Run delegate() {
                return run;
            }

            @Override
            public ForwardResult forward(int[][] tokens) {
                ForwardResult result = run.forward(tokens);
                onForwards.accept(1);
                return result;
            }

            @Override
            public Generation generate(int[] prompt, GenerationOptions options) {
                Generation generation = run.generate(prompt, options);
                onForwards.accept(generation.generated().length);
                return generation;
            }
        };
    }

    /** Leaves the model open: the study owns it. */
    @Override
    public void close() {
        // the study owns the model
    }
}
