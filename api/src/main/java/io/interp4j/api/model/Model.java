package io.interp4j.api.model;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A loaded model. Owns its weights (native memory) until closed; every forward happens in a {@link
 * Run}, which owns its hooks and the arrays it produces.
 *
 * @since 0.1
 */
@Stable
public interface Model extends AutoCloseable {
    /**
     * Returns the id of the engine that runs this model.
     *
     * @return e.g. {@code djl}
     */
    String engineId();

    /**
     * Returns the architecture.
     *
     * @return the config
     */
    ModelConfig config();

    /**
     * Returns the directory the model was loaded from.
     *
     * @return the directory
     */
    Path directory();

    /**
     * Returns the LoRA adapter merged into this model's weights, if any.
     *
     * @return the adapter directory, or empty for the base model
     */
    default Optional<Path> adapter() {
        return Optional.empty();
    }

    /**
     * Returns how quantisation changed the weights, for a quantised model.
     *
     * @return the reconstruction error, or empty for float32 weights
     */
    default Optional<QuantizationReport> quantization() {
        return Optional.empty();
    }

    /**
     * Returns the tokenizer, if the directory had a {@code tokenizer.json}.
     *
     * @return the tokenizer, or empty
     */
    Optional<Tokenizer> tokenizer();

    /**
     * Returns the tokenizer or fails with a clear error.
     *
     * @return the tokenizer
     * @throws Interp4jException when the model has no {@code tokenizer.json}
     */
    default Tokenizer requireTokenizer() {
        return tokenizer().orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, directory()
                + " has no tokenizer.json, so text cannot be encoded or decoded; pass token ids instead (--tokens 1,2,3)"));
    }

    /**
     * Returns every hook point of this model, in forward order.
     *
     * @return the hook points
     */
    default List<HookPoint> hookPoints() {
        return HookPoint.all(config());
    }

    /**
     * Opens a run: the scope of hooks, caches and result arrays.
     *
     * @return a new run, to be closed by the caller
     */
    Run newRun();

    /** Frees the weights. Runs still open must not be used afterwards. */
    @Override
    void close();
}
