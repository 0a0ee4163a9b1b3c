package io.interp4j.api.train;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;

/**
 * Options of training every weight of a model from a random start.
 *
 * @param learningRate the peak learning rate of AdamW
 * @param weightDecay AdamW's decoupled weight decay (applied to matrices, not to norms or biases)
 * @param warmupSteps linear warm-up from 0, then linear decay to 0 at the last step
 * @param steps optimizer steps
 * @param batchSize examples per step (right-padded; padding is masked out of the loss)
 * @param maxGradNorm clip the global gradient norm to this (0 = no clipping)
 * @param seed seeds initialisation and example order
 * @param threads the engine's compute threads while training; results are bit-reproducible for a given
 *     count on a given CPU, and differ between counts (reductions split differently)
 * @since 0.1
 */
@Experimental
public record PretrainingOptions(double learningRate, double weightDecay, int warmupSteps, int steps, int batchSize, double maxGradNorm, long seed,
        int threads) {
    /** Checks every option. */
    public PretrainingOptions {
        if (!(learningRate > 0) || weightDecay < 0 || warmupSteps < 0 || steps < 1 || warmupSteps >= steps || batchSize < 1 || maxGradNorm < 0
                || threads < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "invalid pre-training options: " + this);
        }
    }

    /**
     * Returns the learning rate of a 0-based step: warm-up, then linear decay.
     *
     * @param step the step
     * @return the learning rate
     */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / (double) warmupSteps;
        }
        return learningRate * Math.max(0, steps - step) / (double) Math.max(1, steps - warmupSteps);
    }
}
