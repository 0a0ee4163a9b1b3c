package io.interp4j.api.experiment;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingOptions;
import java.util.List;

/**
 * Work a step runs outside its forward plans (LoRA training, generation), declared as data so that a
 * dry run counts and prices it before it runs, as it does the plans ({@link Experiment#unplanned}).
 *
 * @since 0.2
 */
@Stable
public sealed interface UnplannedWork permits UnplannedWork.Training, UnplannedWork.Generation {
    /**
     * Returns the study model the work runs on, on its own engine.
     *
     * @return the model's name in the study
     */
    String model();

    /**
     * Returns how many forward passes the work runs at most.
     *
     * @return the count
     */
    long forwardPasses();

    /**
     * LoRA training of adapters on a study model: {@code steps × gradientAccumulation} micro-batches,
     * each a forward and a backward pass.
     *
     * @param model the base model's name in the study
     * @param examples the training examples
     * @param options the recipe
     */
    record Training(String model, List<TrainingExample> examples, TrainingOptions options) implements UnplannedWork {
        /** Checks and copies the fields. */
        public Training {
            requireNonNull(model, "model is null");
            examples = List.copyOf(requireNonNull(examples, "examples is null"));
            requireNonNull(options, "options is null");
            if (examples.isEmpty()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "training of model '" + model + "' has no examples");
            }
        }

        @Override
        public long forwardPasses() {
            return (long) options.steps() * options.gradientAccumulation();
        }
    }

    /**
     * Greedy generation with the KV cache from each prompt: first {@code warmUpTokens} tokens (a
     * generation whose result is dropped), then at most {@code maxNewTokens}, stopping earlier at the
     * end-of-text token.
     *
     * @param model the model's name in the study
     * @param load how it is loaded (an adapter, a quantisation)
     * @param prompts the prompts' token ids
     * @param warmUpTokens the warm-up generation's tokens per prompt (0 for none)
     * @param maxNewTokens the most tokens generated per prompt
     */
    record Generation(String model, LoadOptions load, List<int[]> prompts, int warmUpTokens, int maxNewTokens) implements UnplannedWork {
        /** Checks and copies the fields. */
        public Generation {
            requireNonNull(model, "model is null");
            requireNonNull(load, "load is null");
            prompts = requireNonNull(prompts, "prompts is null").stream().map(int[]::clone).toList();
            if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "generation on model '" + model
                        + "' needs at least one prompt, none of them empty");
            }
            if (warmUpTokens < 0 || maxNewTokens < 1) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "generation on model '" + model + "': warm-up tokens must be >= 0"
                        + " and max new tokens >= 1, found " + warmUpTokens + " and " + maxNewTokens);
            }
        }

        @Override
        public List<int[]> prompts() {
            return prompts.stream().map(int[]::clone).toList();
        }

        @Override
        public long forwardPasses() {
            return (long) prompts.size() * (warmUpTokens + maxNewTokens);
        }
    }
}
