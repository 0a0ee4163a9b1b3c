package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.app.plugins.PluginRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's models, each loaded on first use and closed with the pool. When {@code study.forwards.engine}
 * names another engine than a model's own, the model is loaded a second time on it for the forward plans
 * ({@link #forPlans}); the step's own work (training, generation, weights) uses the model's own engine.
 */
final class ModelPool implements AutoCloseable {
    private final StudyPlan plan;
    private final PluginRegistry registry;
    private final Map<String, Model> loaded = new LinkedHashMap<>();
    private final Map<String, Model> forPlans = new LinkedHashMap<>();
    private final Map<String, Model> variants = new LinkedHashMap<>();

    ModelPool(StudyPlan plan, PluginRegistry registry) {
        this.plan = plan;
        this.registry = registry;
    }

    Model get(String name) {
        StudyPlan.ModelSpec spec = spec(name);
        return loaded.computeIfAbsent(name, n -> registry.loadModel(spec.engine(), spec.path(), new LoadOptions(spec.adapter(), spec.quantization())));
    }

    /** A variant of a study model with other load options, cached per (name, options). */
    Model get(String name, LoadOptions options) {
        StudyPlan.ModelSpec spec = spec(name);
        return variants.computeIfAbsent(variantKey(spec.engine(), name, options), k -> registry.loadModel(spec.engine(), spec.path(), options));
    }

    /**
     * The model a study model's forward plans run on: the model itself, or its load on {@code study.forwards.engine}.
     *
     * @param name the study model
     * @return the loaded model
     */
    Model forPlans(String name) {
        StudyPlan.ModelSpec spec = spec(name);
        String engine = plan.forwards().engineOf(spec);
        if (engine.equals(spec.engine())) {
            return get(name);
        }
        return forPlans.computeIfAbsent(name, n -> registry.loadModel(engine, spec.path(), new LoadOptions(spec.adapter(), spec.quantization())));
    }

    /** A variant's model for forward plans, as {@link #forPlans(String)} for {@link #get(String, LoadOptions)}. */
    Model forPlans(String name, LoadOptions options) {
        StudyPlan.ModelSpec spec = spec(name);
        String engine = plan.forwards().engineOf(spec);
        return variants.computeIfAbsent(variantKey(engine, name, options), k -> registry.loadModel(engine, spec.path(), options));
    }

    /** A study model's tokenizer, from whichever load of it exists (the engines read the same tokenizer.json). */
    io.interp4j.api.tokenizer.Tokenizer tokenizer(String name) {
        Model model = loaded.get(name);
        return (model != null ? model : forPlans(name)).requireTokenizer();
    }

    /** Closes one variant now, on every engine it is loaded on; a later {@code get} or {@code forPlans} loads it again. */
    void release(String name, LoadOptions options) {
        StudyPlan.ModelSpec spec = spec(name);
        for (String engine : new java.util.TreeSet<>(List.of(spec.engine(), plan.forwards().engineOf(spec)))) {
            Model model = variants.remove(variantKey(engine, name, options));
            if (model != null) {
                model.close();
            }
        }
    }

    private StudyPlan.ModelSpec spec(String name) {
        StudyPlan.ModelSpec spec = plan.models().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + plan.models().keySet());
        }
        return spec;
    }

    private static String variantKey(String engine, String name, LoadOptions options) {
        return engine + "\u0000" + name + "\u0000" + options;
    }

    /**
     * Closes what a step loaded for itself: the variants, and the own-engine load of every model whose
     * plans run on another engine (the step's training, generation or weights; the next step that needs
     * it loads it again). What stays is one load per model, the one the forward plans use, so a study
     * with {@code study.forwards.engine} holds one engine's copy of the weights between steps, not two.
     */
    void closeStepLocal() {
        variants.values().forEach(Model::close);
        variants.clear();
        for (String name : List.copyOf(loaded.keySet())) {
            if (!plan.forwards().engineOf(spec(name)).equals(spec(name).engine())) {
                loaded.remove(name).close();
            }
        }
    }

    /** Returns a model if a step has loaded it, on its own engine or for the forward plans. */
    java.util.Optional<Model> loaded(String name) {
        return java.util.Optional.ofNullable(loaded.getOrDefault(name, forPlans.get(name)));
    }

    @Override
    public void close() {
        loaded.values().forEach(Model::close);
        loaded.clear();
        forPlans.values().forEach(Model::close);
        forPlans.clear();
        variants.values().forEach(Model::close);
        variants.clear();
    }
}
