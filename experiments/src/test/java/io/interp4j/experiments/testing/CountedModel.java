package io.interp4j.experiments.testing;

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

/** A model that calls back on every forward of its runs, and tracks how many runs are still open. */
final class CountedModel implements Model {
    final Model model;
    private final Runnable onForward;
    private int open;

    CountedModel(Model model, Runnable onForward) {
        this.model = model;
        this.onForward = onForward;
    }

    /** The runs opened and not yet closed. */
    int openRuns() {
        return open;
    }

    @Override
    public String engineId() {
        return model.engineId();
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public Path directory() {
        return model.directory();
    }

    @Override
    public Optional<Tokenizer> tokenizer() {
        return model.tokenizer();
    }

    @Override
    public Run newRun() {
        Run run = model.newRun();
        open++;
        return new Run() {
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
                onForward.run();
                return run.forward(tokens);
            }

            @Override
            public Generation generate(int[] prompt, GenerationOptions options) {
                throw new UnsupportedOperationException("the tests do not generate");
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
                open--;
                run.close();
            }
        };
    }

    @Override
    public void close() {
        model.close();
    }
}
