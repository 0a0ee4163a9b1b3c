package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Positions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a forward request reads: logits at some positions (of the prompt's own indices, {@code last}
 * by default), and activations at hook points, each at some positions (the position axis; for
 * attention scores and patterns the query axis). Activations are read after every intervention at
 * their point.
 *
 * @param logits the positions whose logits are read, or {@code null} for none
 * @param activations hook points and the positions read there, in the order given
 * @since 0.2
 */
@Stable
public record Readout(Positions logits, Map<HookPoint, Positions> activations) {
    /** The last position's logits and nothing else: what most measurements need. */
    public static final Readout LAST_LOGITS = new Readout(Positions.LAST, Map.of());

    /** Validates the readout and takes a copy. */
    public Readout {
        requireNonNull(activations, "activations is null");
        activations = new LinkedHashMap<>(activations);
        activations.forEach((point, positions) -> {
            requireNonNull(point, "hook point is null");
            requireNonNull(positions, "positions of " + point + " are null");
        });
        activations = java.util.Collections.unmodifiableMap(activations);
    }

    /**
     * Returns logits at some positions.
     *
     * @param positions e.g. {@link Positions#ALL}
     * @return the readout
     */
    public static Readout logits(Positions positions) {
        return new Readout(requireNonNull(positions, "positions is null"), Map.of());
    }

    /**
     * Returns this readout also reading an activation.
     *
     * @param point the hook point
     * @param positions the positions read there
     * @return a new readout
     */
    public Readout and(HookPoint point, Positions positions) {
        Map<HookPoint, Positions> more = new LinkedHashMap<>(activations);
        more.put(point, positions);
        return new Readout(logits, more);
    }

    /**
     * Returns this readout without logits.
     *
     * @return a new readout
     */
    public Readout withoutLogits() {
        return new Readout(null, activations);
    }

    /**
     * Returns the activations only, no logits.
     *
     * @param point the hook point
     * @param positions the positions read there
     * @return the readout
     */
    public static Readout activation(HookPoint point, Positions positions) {
        return new Readout(null, Map.of()).and(point, positions);
    }
}
