package io.interp4j.api.train;

import io.interp4j.api.Experimental;
import io.interp4j.api.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains every weight of a Qwen2 model from a random start and writes a Hugging Face directory
 * ({@code config.json}, {@code model.safetensors}, the given {@code tokenizer.json}).
 *
 * @since 0.1
 */
@Experimental
public interface Pretrainer {
    /**
     * Trains.
     *
     * @param config the architecture
     * @param tokenizerJson the tokenizer the examples were encoded with, copied into the output
     * @param data the examples (loss on answer tokens)
     * @param options the options
     * @param out the model directory to write
     * @param listener told after every step
     * @return the loss curve and timings
     */
    TrainingResult train(ModelConfig config, String tokenizerJson, List<TrainingExample> data, PretrainingOptions options, Path out,
            LoraTrainer.Listener listener);
}
