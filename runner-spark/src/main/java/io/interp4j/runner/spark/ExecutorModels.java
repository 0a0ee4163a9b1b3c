package io.interp4j.runner.spark;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of one executor JVM, each loaded on first use and kept while the JVM lives, so that every
 * partition an executor runs reuses them. It is per JVM by nature (an executor has no other place to
 * keep state between tasks). Engines are found by {@link ServiceLoader} here: the app's plugin
 * registry lives on the driver and does not travel.
 */
final class ExecutorModels {
    private static final Map<Source, Model> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    static Model get(Source source) {
        return LOADED.computeIfAbsent(source, ExecutorModels::load);
    }

    private static Model load(Source source) {
        List<String> found = new ArrayList<>();
        for (EngineProvider provider : ServiceLoader.load(EngineProvider.class)) {
            if (provider.id().equals(source.engine())) {
                return provider.load(Checkpoint.open(Path.of(source.path())), source.options());
            }
            found.add(provider.id());
        }
        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "executor: unknown engine '" + source.engine() + "' for model " + source
                + "; found: " + found);
    }

    /** Closes every model this JVM loaded (in local mode the driver is the executor, and closes them when the study ends). */
    static void closeAll() {
        LOADED.values().forEach(Model::close);
        LOADED.clear();
    }
}
