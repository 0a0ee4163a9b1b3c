package io.interp4j.probes.testing;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;

/**
 * A random model written to a directory, loaded with the djl engine, and its double-precision
 * reference.
 *
 * @param dir the model directory
 * @param model the engine's model
 * @param reference the reference forward of the same weights
 */
public record TinyModel(Path dir, Model model, ReferenceQwen2 reference) implements AutoCloseable {
    /**
     * Writes and loads a model.
     *
     * @param parent where to write it
     * @param config the architecture
     * @param dtype the storage type
     * @param seed the seed
     * @return the model, to be closed
     */
    public static TinyModel write(Path parent, ModelConfig config, DType dtype, long seed) {
        Path dir = ProbeFixtures.writeModel(parent, "model-" + seed, config, dtype, seed);
        return new TinyModel(dir, ProbeFixtures.load(dir), ReferenceQwen2.load(dir));
    }

    @Override
    public void close() {
        model.close();
    }
}
