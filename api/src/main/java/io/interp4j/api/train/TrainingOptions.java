package io.interp4j.api.train;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.List;
import java.util.Set;

/**
 * LoRA training options, named as in PEFT and Hugging Face's Trainer.
 *
 * @param rank r
 * @param alpha lora_alpha; the update is scaled by alpha / r
 * @param dropout lora_dropout, applied to the adapter's input during training
 * @param targetModules module names among q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
 * @param learningRate the peak learning rate of AdamW
 * @param weightDecay AdamW's decoupled weight decay
 * @param warmupSteps linear warm-up from 0, then linear decay to 0 at the last step
 * @param steps optimizer steps
 * @param batchSize examples per micro-batch (right-padded; padding is masked out of the loss unless {@code
 *     loss} counts it)
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm clip the global gradient norm to this (0 = no clipping)
 * @param seed seeds initialisation, dropout and example order
 * @param checkpointSteps steps after which the adapter is also saved to {@code checkpoint-N}
 * @param loss which predictions the loss counts ({@link TrainingLoss#ANSWER} unless a recipe counted more)
 * @since 0.1
 */
@Stable
public record TrainingOptions(
        int rank,
        double alpha,
        double dropout,
        List<String> targetModules,
        double learningRate,
        double weightDecay,
        int warmupSteps,
        int steps,
        int batchSize,
        int gradientAccumulation,
        double maxGradNorm,
        long seed,
        List<Integer> checkpointSteps,
        TrainingLoss loss) {
    /** The module names LoRA may target in a Qwen2 block. */
    public static final Set<String> MODULES = Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** Checks every option. */
    public TrainingOptions {
        targetModules = List.copyOf(requireNonNull(targetModules, "targetModules is null"));
        checkpointSteps = List.copyOf(requireNonNull(checkpointSteps, "checkpointSteps is null"));
        requireNonNull(loss, "loss is null");
        check(rank >= 1, "rank must be >= 1, found " + rank);
        check(alpha > 0, "alpha must be > 0, found " + alpha);
        check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), found " + dropout);
        check(!targetModules.isEmpty() && MODULES.containsAll(targetModules),
                "target modules must be a non-empty subset of " + new java.util.TreeSet<>(MODULES) + ", found " + targetModules);
        check(learningRate > 0, "learning rate must be > 0, found " + learningRate);
        check(weightDecay >= 0, "weight decay must be >= 0, found " + weightDecay);
        check(steps >= 1, "steps must be >= 1, found " + steps);
        check(warmupSteps >= 0 && warmupSteps < steps, "warm-up steps must be in [0, steps), found " + warmupSteps);
        check(batchSize >= 1, "batch size must be >= 1, found " + batchSize);
        check(gradientAccumulation >= 1, "gradient accumulation must be >= 1, found " + gradientAccumulation);
        check(maxGradNorm >= 0, "max grad norm must be >= 0, found " + maxGradNorm);
        for (int s : checkpointSteps) {
            check(s >= 1 && s <= steps, "checkpoint step " + s + " is outside 1.." + steps);
        }
    }

    /**
     * Options whose loss counts the answer's tokens only ({@link TrainingLoss#ANSWER}).
     *
     * @param rank r
     * @param alpha lora_alpha
     * @param dropout lora_dropout
     * @param targetModules the target modules
     * @param learningRate the peak learning rate
     * @param weightDecay the decoupled weight decay
     * @param warmupSteps the warm-up steps
     * @param steps optimizer steps
     * @param batchSize examples per micro-batch
     * @param gradientAccumulation micro-batches per optimizer step
     * @param maxGradNorm the clipping norm (0 = none)
     * @param seed the seed
     * @param checkpointSteps the checkpoint steps
     */
    public TrainingOptions(int rank, double alpha, double dropout, List<String> targetModules, double learningRate, double weightDecay,
            int warmupSteps, int steps, int batchSize, int gradientAccumulation, double maxGradNorm, long seed,
            List<Integer> checkpointSteps) {
        this(rank, alpha, dropout, targetModules, learningRate, weightDecay, warmupSteps, steps, batchSize, gradientAccumulation,
                maxGradNorm, seed, checkpointSteps, TrainingLoss.ANSWER);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, message);
        }
    }

    /**
     * Returns the learning rate of a step: linear warm-up from 0, then linear decay to 0 at the end
     * (Hugging Face's {@code get_linear_schedule_with_warmup}).
     *
     * @param step 0-based optimizer step
     * @return the learning rate
     */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / (double) warmupSteps;
        }
        return learningRate * Math.max(0, steps - step) / (double) Math.max(1, steps - warmupSteps);
    }

    /**
     * Returns PEFT's scaling of the update.
     *
     * @return alpha / rank
     */
    public double scaling() {
        return alpha / rank;
    }
}
