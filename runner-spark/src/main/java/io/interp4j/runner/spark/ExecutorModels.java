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
    /** The partitions running in this JVM: a task Spark was told to kill may still be inside a forward. */
    private static int running;

    private ExecutorModels() {}

    /**
     * Runs a partition's work, counted, so that {@link #closeAll} never closes a model under a running forward.
     *
     * @param work the work
     * @param <T> its result
     * @return its result
     */
    static <T> T running(java.util.function.Supplier<T> work) {
        synchronized (ExecutorModels.class) {
            running++;
        }
        try {
            return work.get();
        } finally {
            synchronized (ExecutorModels.class) {
                running--;
                ExecutorModels.class.notifyAll();
            }
        }
    }

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

    /**
     * Closes every model this JVM loaded (in local mode the driver is the executor, and closes them when
     * the study ends), once no partition runs here; after a minute of waiting (a killed task stuck in a
     * forward) the models are left open rather than closed under it.
     */
    static synchronized void closeAll() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (running > 0 && System.nanoTime() < deadline) {
            try {
                ExecutorModels.class.wait(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (running > 0) {
            org.slf4j.LoggerFactory.getLogger(ExecutorModels.class).warn("{} partition(s) still running after a minute; models left open",
                    running);
            return;
        }
        LOADED.values().forEach(Model::close);
        LOADED.clear();
    }
}
