package io.interp4j.api.train;

import io.interp4j.api.Stable;
import io.interp4j.api.model.Model;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains a LoRA adapter on a base model and writes it in PEFT's format ({@code adapter_config.json}
 * and {@code adapter_model.safetensors}). The base model's weights are never changed.
 *
 * @since 0.1
 */
@Stable
public interface LoraTrainer {
    /** Told after every optimizer step. */
    @FunctionalInterface
    interface Listener {
        /**
         * Reports a finished optimizer step.
         *
         * @param step 1-based
         * @param loss the mean loss of the step's micro-batches
         * @param learningRate the learning rate used
         */
        void step(int step, double loss, double learningRate);
    }

    /**
     * Trains.
     *
     * @param base the base model, of this trainer's engine
     * @param data the examples
     * @param options the options
     * @param out the adapter directory to write (checkpoints go to {@code checkpoint-N} inside it)
     * @param listener told after every step
     * @return the loss curve and timings
     */
    TrainingResult train(Model base, List<TrainingExample> data, TrainingOptions options, Path out, Listener listener);
}
