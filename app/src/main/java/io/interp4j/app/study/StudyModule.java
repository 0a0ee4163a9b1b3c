package io.interp4j.app.study;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.app.plugins.PluginRegistry;

/**
 * Wires the study runner from what the plugin registry found: experiments and engines are bound into
 * maps keyed by id, so the loader picks implementations by the ids a study names.
 */
final class StudyModule extends AbstractModule {
    private final PluginRegistry registry;

    StudyModule(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        MapBinder<String, ExperimentFactory> experiments = MapBinder.newMapBinder(binder(), String.class, ExperimentFactory.class);
        registry.plugins(PluginKind.EXPERIMENT, ExperimentFactory.class).forEach((id, f) -> experiments.addBinding(id).toInstance(f));
        MapBinder<String, EngineProvider> engines = MapBinder.newMapBinder(binder(), String.class, EngineProvider.class);
        registry.plugins(PluginKind.ENGINE, EngineProvider.class).forEach((id, e) -> engines.addBinding(id).toInstance(e));
        bind(StudyLoader.class);
        bind(StudyRunner.class);
    }
}
