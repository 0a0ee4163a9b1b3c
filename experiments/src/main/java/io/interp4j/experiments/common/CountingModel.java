package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A study model as the plugins of a step see it: loaded only when first used (a sweep names every
 * study model in its intervention contexts, but most plans read none), and counting the forward passes
 * run through it (a generation counts one per new token). Closing it does nothing: the study owns the
 * model. One instance per model and step, so plans that remember values per model instance keep them.
 */
public final class CountingModel implements Model {
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

    private synchronized Model model() {
        if (loaded == null) {
            loaded = requireNonNull(loader.get(), "loaded model is null");
        }
        return loaded;
    }

    @Override
    public String engineId() {
        return model().engineId();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Path directory() {
        return model().directory();
    }

    @Override
    public Optional<Tokenizer> tokenizer() {
        return model().tokenizer();
    }

    @Override
    public List<HookPoint> hookPoints() {
        return model().hookPoints();
    }

    @Override
    public Run newRun() {
        return new CountingRun(model().newRun());
    }

    /** Leaves the model open: the study closes it. */
    @Override
    public void close() {
        // the study owns the model
    }

    /** Delegates everything, counting forwards; interventions go to the engine's own implementation. */
    private final class CountingRun implements Run {
        private final Run run;

        CountingRun(Run run) {
            this.run = run;
        }

        @Override
        public Run hook(HookPoint point, Hook hook) {
            run.hook(point, hook);
            return this;
        }

        @Override
        public Run observe(HookPoint point, HookObserver observer) {
            run.observe(point, observer);
            return this;
        }

        @Override
        public Run cache(Collection<HookPoint> points) {
            run.cache(points);
            return this;
        }

        @Override
        public Run cacheAll() {
            run.cacheAll();
            return this;
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

        @Override
        public Run intervene(Intervention intervention) {
            run.intervene(intervention);
            return this;
        }

        @Override
        public ModelConfig config() {
            return run.config();
        }

        @Override
        public NDManager manager() {
            return run.manager();
        }

        @Override
        public List<HookPoint> hookPoints() {
            return run.hookPoints();
        }

        @Override
        public void close() {
            run.close();
        }
    }
}
