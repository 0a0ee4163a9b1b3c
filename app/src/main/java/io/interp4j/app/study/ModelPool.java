package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.app.plugins.PluginRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/** The study's models, each loaded on first use and closed with the pool. */
final class ModelPool implements AutoCloseable {
    private final StudyPlan plan;
    private final PluginRegistry registry;
    private final Map<String, Model> loaded = new LinkedHashMap<>();
    private final Map<String, Model> variants = new LinkedHashMap<>();

    ModelPool(StudyPlan plan, PluginRegistry registry) {
        this.plan = plan;
        this.registry = registry;
    }

    Model get(String name) {
        Model model = loaded.get(name);
        if (model == null) {
            StudyPlan.ModelSpec spec = plan.models().get(name);
            if (spec == null) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + plan.models().keySet());
            }
            model = registry.loadModel(spec.engine(), spec.path(), new LoadOptions(spec.adapter(), spec.quantization()));
            loaded.put(name, model);
        }
        return model;
    }

    /** A variant of a study model with other load options, cached per (name, options). */
    Model get(String name, LoadOptions options) {
        StudyPlan.ModelSpec spec = plan.models().get(name);
        if (spec == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; the study has " + plan.models().keySet());
        }
        String key = name + "\u0000" + options;
        Model model = variants.get(key);
        if (model == null) {
            model = registry.loadModel(spec.engine(), spec.path(), options);
            variants.put(key, model);
        }
        return model;
    }

    /** Closes one variant now, if it is loaded; a later {@link #get(String, LoadOptions)} loads it again. */
    void release(String name, LoadOptions options) {
        Model model = variants.remove(name + "\u0000" + options);
        if (model != null) {
            model.close();
        }
    }

    /** Closes the variants a step loaded: they are step-local, so a later step starts without them. */
    void closeVariants() {
        variants.values().forEach(Model::close);
        variants.clear();
    }

    /** Returns a model if a step has loaded it. */
    java.util.Optional<Model> loaded(String name) {
        return java.util.Optional.ofNullable(loaded.get(name));
    }

    @Override
    public void close() {
        loaded.values().forEach(Model::close);
        loaded.clear();
        variants.values().forEach(Model::close);
        variants.clear();
    }
}
