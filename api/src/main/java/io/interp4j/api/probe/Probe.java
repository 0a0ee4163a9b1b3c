package io.interp4j.api.probe;

import io.interp4j.api.Stable;

/**
 * A configured probe.
 *
 * @since 0.1
 */
@Stable
public interface Probe {
    /**
     * Runs the probe.
     *
     * @param context the model and prompt sets
     * @return named tensors and table rows
     */
    ProbeResult run(ProbeContext context);

    /**
     * States what the probe measures, for reports.
     *
     * @return e.g. {@code mean and standard deviation over 12 prompts × all positions at blocks.2.hook_resid_post}
     */
    String describe();
}
