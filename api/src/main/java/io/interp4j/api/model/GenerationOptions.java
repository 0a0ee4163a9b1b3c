package io.interp4j.api.model;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Stable;

/**
 * How to generate greedily.
 *
 * @param maxNewTokens the most tokens to generate, at least 1
 * @param useKvCache whether to reuse keys and values (false recomputes the whole sequence each step)
 * @param stopAtEos whether to stop after the model's eos token
 * @since 0.1
 */
@Stable
public record GenerationOptions(int maxNewTokens, boolean useKvCache, boolean stopAtEos) {
    /** Validates the options. */
    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "maxNewTokens must be >= 1, found " + maxNewTokens);
        }
    }

    /**
     * Returns cached generation that stops at eos.
     *
     * @param maxNewTokens the most tokens to generate
     * @return the options
     */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, true, true);
    }
}
