/**
 * Interventions as values: an {@link io.interp4j.api.intervention.Intervention} names a site,
 * positions, heads, an operation and its parameters; it prints in a report, renders as HOCON, and
 * any engine executes it ({@link io.interp4j.api.model.Run#intervene}). Intervention plugins turn
 * settings into such values, computing means, directions or source activations as they need.
 *
 * @since 0.1
 */
package io.interp4j.api.intervention;
