package io.interp4j.api.model;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.Pretrainer;
import java.util.Optional;

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

    /**
     * Returns the engine's LoRA trainer, if it can train.
     *
     * @return the trainer, or empty
     */
    default Optional<LoraTrainer> loraTrainer() {
        return Optional.empty();
    }

    /**
     * Returns the engine's pre-trainer (every weight from a random start), if it can train.
     *
     * @return the pre-trainer, or empty
     */
    default Optional<Pretrainer> pretrainer() {
        return Optional.empty();
    }

    /**
     * Prepares the bare matrix products of one forward of a checkpoint on this engine's matrix kernels,
     * if the engine can time them apart from a forward (benchmarks take the fastest engine's as the
     * compute floor).
     *
     * @param checkpoint the opened checkpoint; the caller keeps it open while the products are used and
     *     closes it
     * @return the products, to be closed by the caller, or empty
     * @since 0.2
     */
    default Optional<MatrixProducts> matrixProducts(Checkpoint checkpoint) {
        return Optional.empty();
    }

    /**
     * Loads a validated checkpoint with options. Engines that cannot apply an option refuse it.
     *
     * @param checkpoint the opened checkpoint, owned by the model from now on
     * @param options the options
     * @return the model
     */
    default Model load(Checkpoint checkpoint, LoadOptions options) {
        if (options.adapter().isEmpty() && options.quantization() == Quantization.NONE) {
            return load(checkpoint);
        }
        checkpoint.close();
        throw new Interp4jException(ErrorCode.UNSUPPORTED, "engine '" + id() + "' cannot apply LoRA adapters or quantisation");
    }
}
