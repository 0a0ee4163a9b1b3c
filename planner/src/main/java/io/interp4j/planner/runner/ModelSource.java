package io.interp4j.planner.runner;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.model.LoadOptions;
import java.nio.file.Path;

/**
 * A study model as a runner on another machine loads it: the engine's id, the model directory (a
 * path every machine sees) and the study's load options.
 *
 * @param engine the engine id
 * @param path the Hugging Face model directory
 * @param options the study's adapter and quantisation
 */
public record ModelSource(String engine, Path path, LoadOptions options) {
    /** Validates the source. */
    public ModelSource {
        requireNonNull(engine, "engine is null");
        requireNonNull(path, "path is null");
        requireNonNull(options, "options is null");
    }
}
