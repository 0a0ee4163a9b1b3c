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

    /** Returns a model if a step has loaded it. */
    java.util.Optional<Model> loaded(String name) {
        return java.util.Optional.ofNullable(loaded.get(name));
    }

    @Override
    public void close() {
        loaded.values().forEach(Model::close);
        loaded.clear();
    }
}
