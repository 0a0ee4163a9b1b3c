package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;

/**
 * The result of greedy generation.
 *
 * @param prompt the prompt's token ids
 * @param generated the new token ids, eos included when generation stopped there
 * @param prefillNanos time to run the prompt and pick the first token
 * @param decodeNanos time for every later token
 * @since 0.1
 */
@Stable
public record Generation(int[] prompt, int[] generated, long prefillNanos, long decodeNanos) {
    /** Copies the arrays. */
    public Generation {
        prompt = requireNonNull(prompt, "prompt is null").clone();
        generated = requireNonNull(generated, "generated is null").clone();
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public int[] generated() {
        return generated.clone();
    }

    /**
     * Returns new tokens per second over the whole generation, prefill included.
     *
     * @return tokens per second
     */
    public double tokensPerSecond() {
        long total = prefillNanos + decodeNanos;
        return total == 0 ? 0 : generated.length * 1e9 / total;
    }

    /**
     * Returns tokens per second of the decode steps alone (after the first token).
     *
     * @return decode tokens per second, 0 when only one token was generated
     */
    public double decodeTokensPerSecond() {
        return generated.length <= 1 || decodeNanos == 0 ? 0 : (generated.length - 1) * 1e9 / decodeNanos;
    }
}
