package io.interp4j.api.model;

import io.interp4j.api.Stable;
import io.interp4j.api.checkpoint.Checkpoint;

/**
 * The SPI of an inference backend, found with {@link java.util.ServiceLoader}.
 *
 * @since 0.1
 */
@Stable
public interface EngineProvider {
    /**
     * Returns the engine's id, lowercase kebab-case, e.g. {@code djl}.
     *
     * @return the id
     */
    String id();

    /**
     * Returns one line saying what the engine is, for listings.
     *
     * @return the description
     */
    default String description() {
        return "";
    }

    /**
     * Loads a validated checkpoint. The model takes ownership of the checkpoint and closes it; if
     * loading fails, the provider closes the checkpoint before throwing.
     *
     * @param checkpoint the opened checkpoint
     * @return the model
     */
    Model load(Checkpoint checkpoint);
}
