package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Internal;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.tokenizer.HfTokenizer;
import io.interp4j.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What every engine's model shares: the checkpoint it owns, the tokenizer, the adapter merged into
 * it and its quantisation report. Engines implement {@link #newRun()} and release their own native
 * memory in {@link #closeEngine()}; closing also closes the tokenizer and the checkpoint.
 *
 * @since 0.1
 */
@Internal
public abstract class AbstractModel implements Model {
    private final String engineId;
    private final Checkpoint checkpoint;
    private final HfTokenizer tokenizer;
    private final Path adapter;
    private final QuantizationReport quantization;

    /**
     * Creates a model.
     *
     * @param engineId the engine's id
     * @param checkpoint the checkpoint, owned from now on
     * @param tokenizer the tokenizer, or {@code null} without {@code tokenizer.json}
     * @param adapter the merged adapter, or {@code null}
     * @param quantization the quantisation report, or {@code null} for float32 weights
     */
    protected AbstractModel(String engineId, Checkpoint checkpoint, HfTokenizer tokenizer, Path adapter, QuantizationReport quantization) {
        this.engineId = requireNonNull(engineId, "engineId is null");
        this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
        this.tokenizer = tokenizer;
        this.adapter = adapter;
        this.quantization = quantization;
    }

    /**
     * Returns the checkpoint the model was loaded from.
     *
     * @return the checkpoint
     */
    protected final Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public String engineId() {
        return engineId;
    }

    @Override
    public ModelConfig config() {
        return checkpoint.config();
    }

    @Override
    public Path directory() {
        return checkpoint.directory();
    }

    @Override
    public Optional<Path> adapter() {
        return Optional.ofNullable(adapter);
    }

    @Override
    public Optional<QuantizationReport> quantization() {
        return Optional.ofNullable(quantization);
    }

    @Override
    public Optional<Tokenizer> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    /** Frees the engine's own native memory (weights, sessions). */
    protected abstract void closeEngine();

    @Override
    public final void close() {
        closeEngine();
        if (tokenizer != null) {
            tokenizer.close();
        }
        checkpoint.close();
    }
}
