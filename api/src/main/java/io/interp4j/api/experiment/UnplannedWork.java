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
 * Work a step runs outside its forward plans (LoRA training, generation, the logit lens in Java),
 * declared as data so that a dry run counts and prices it before it runs, as it does the plans
 * ({@link Experiment#unplanned}).
 *
 * @since 0.4
 */
@Stable
public sealed interface UnplannedWork permits UnplannedWork.Training, UnplannedWork.Generation, UnplannedWork.Lens {
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
     * Greedy generation with the KV cache from each prompt, at most {@code maxNewTokens} tokens,
     * stopping earlier at the end-of-text token. With {@code batchSize} 1 every prompt is generated
     * alone after a warm-up generation of {@code warmUpTokens} tokens whose result is dropped. With a
     * larger {@code batchSize} the prompts are generated in left-padded batches of at most that many
     * rows (one forward per step for every row of a batch), and then {@code timedPrompts} of them are
     * generated again alone, each after its warm-up, to time batch-1 decoding.
     *
     * @param model the model's name in the study
     * @param load how it is loaded (an adapter, a quantisation)
     * @param prompts the prompts' token ids
     * @param warmUpTokens the warm-up generation's tokens per prompt generated alone (0 for none)
     * @param maxNewTokens the most tokens generated per prompt
     * @param batchSize the most prompts generated together, at least 1
     * @param timedPrompts with {@code batchSize > 1}, how many prompts are generated again alone for
     *     timing (0 to {@code prompts.size()}); 0 with {@code batchSize} 1
     */
    record Generation(String model, LoadOptions load, List<int[]> prompts, int warmUpTokens, int maxNewTokens, int batchSize,
            int timedPrompts) implements UnplannedWork {
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
            if (batchSize < 1 || timedPrompts < 0 || timedPrompts > prompts.size() || batchSize == 1 && timedPrompts != 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "generation on model '" + model + "': batch size must be >= 1 and"
                        + " timed prompts 0.." + prompts.size() + " (0 with batch size 1, where every generation is timed), found "
                        + batchSize + " and " + timedPrompts);
            }
        }

        /**
         * Generation of every prompt alone, each after its warm-up (batch size 1).
         *
         * @param model the model's name in the study
         * @param load how it is loaded
         * @param prompts the prompts' token ids
         * @param warmUpTokens the warm-up generation's tokens per prompt (0 for none)
         * @param maxNewTokens the most tokens generated per prompt
         */
        public Generation(String model, LoadOptions load, List<int[]> prompts, int warmUpTokens, int maxNewTokens) {
            this(model, load, prompts, warmUpTokens, maxNewTokens, 1, 0);
        }

        /**
         * Returns how many prompts are generated alone, each after its warm-up: all with batch size 1,
         * else the timed ones.
         *
         * @return the count
         */
        public int alone() {
            return batchSize == 1 ? prompts.size() : timedPrompts;
        }

        @Override
        public List<int[]> prompts() {
            return prompts.stream().map(int[]::clone).toList();
        }

        /**
         * Counts one forward pass per row and step: every prompt's tokens, batched or not, plus each
         * generation alone (its warm-up and, with batch size above 1, its timed repeat).
         */
        @Override
        public long forwardPasses() {
            long batched = batchSize == 1 ? 0 : (long) prompts.size() * maxNewTokens;
            return batched + (long) alone() * (warmUpTokens + maxNewTokens);
        }
    }

    /**
     * Residual vectors that the step's plans read and the step then unembeds in Java, through the
     * checkpoint's final norm and unembedding in double precision ({@link
     * io.interp4j.api.checkpoint.Unembedding}, as the logit lens does): no forward pass, but at
     * Qwen2.5 scale each vector is {@code vocab × d_model} multiply-adds (136 million at 0.5B), which
     * early exit's lens does for every layer of every prompt.
     *
     * @param model the model whose unembedding is used
     * @param vectors how many vectors are unembedded in all
     * @param perPass how many are unembedded together, in one pass over the unembedding
     * @since 0.5
     */
    record Lens(String model, long vectors, int perPass) implements UnplannedWork {
        /** Checks the fields. */
        public Lens {
            requireNonNull(model, "model is null");
            if (vectors < 1 || perPass < 1) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the lens on model '" + model + "' needs at least one vector and"
                        + " one per pass, found " + vectors + " and " + perPass);
            }
        }

        /** Runs none: the vectors come from the step's plans. */
        @Override
        public long forwardPasses() {
            return 0;
        }

        /**
         * Returns how many passes over the unembedding the lens makes.
         *
         * @return {@code ceil(vectors / perPass)}
         */
        public long passes() {
            return (vectors + perPass - 1) / perPass;
        }
    }
}
