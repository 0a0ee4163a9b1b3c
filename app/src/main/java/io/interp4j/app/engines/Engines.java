package io.interp4j.app.engines;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The inference engines found with {@link ServiceLoader}, by id. */
public final class Engines {
    private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    private final Map<String, EngineProvider> byId;

    /**
     * Creates a registry of the given engines, checking their ids.
     *
     * @param providers the engines
     */
    public Engines(List<EngineProvider> providers) {
        Map<String, EngineProvider> map = new TreeMap<>();
        for (EngineProvider provider : providers) {
            String id = provider.id();
            if (id == null || !KEBAB.matcher(id).matches()) {
                throw new Interp4jException(ErrorCode.ENGINE_ERROR, "engine " + provider.getClass().getName()
                        + " has id '" + id + "'; ids must be lowercase kebab-case");
            }
            EngineProvider previous = map.put(id, provider);
            if (previous != null) {
                throw new Interp4jException(ErrorCode.ENGINE_ERROR, "engine id '" + id + "' is provided twice: by "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        this.byId = map;
    }

    /**
     * Finds every engine on the module path (or class path).
     *
     * @return the registry
     */
    public static Engines discover() {
        return new Engines(ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    /**
     * Returns an engine by id.
     *
     * @param id the id
     * @return the engine
     * @throws Interp4jException listing the known ids when the id is unknown
     */
    public EngineProvider get(String id) {
        requireNonNull(id, "id is null");
        EngineProvider provider = byId.get(id);
        if (provider == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown engine '" + id + "'; known engines: " + byId.keySet());
        }
        return provider;
    }

    /**
     * Opens, validates and loads a model directory.
     *
     * @param id the engine id
     * @param directory the Hugging Face model directory
     * @return the model
     */
    public Model load(String id, Path directory) {
        EngineProvider provider = get(id);
        return provider.load(Checkpoint.open(directory));
    }
}
