package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.plugin.TensorData;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one forward request read, as plain Java data that outlives every run.
 *
 * @param logits the logits at the read positions, {@code [positions, vocab]}, or {@code null} when the
 *     readout asked for none
 * @param activations per read hook point, {@code [1, positions, ...]} ({@code [1, heads, positions,
 *     keys]} for attention scores and patterns)
 * @param fired the sites ({@link io.interp4j.api.intervention.Site#name}) at which this request's interventions
 *     fired: the engine's hook dispatch reached the point the site rewrites during this request's forward, or
 *     the executor realised the intervention another way (a zeroed contribution run as a skip); empty for a
 *     request without interventions, {@code null} where the executor did not record it (since 0.3)
 * @since 0.2
 */
@Stable
public record ForwardReadout(TensorData logits, Map<HookPoint, TensorData> activations, Set<String> fired) {
    /** Validates the readout and takes copies. */
    public ForwardReadout {
        requireNonNull(activations, "activations is null");
        activations = Collections.unmodifiableMap(new LinkedHashMap<>(activations));
        fired = fired == null ? null : Collections.unmodifiableSet(new TreeSet<>(fired));
    }

    /**
     * A readout whose executor did not record where interventions fired.
     *
     * @param logits the logits, or null
     * @param activations the read activations
     */
    public ForwardReadout(TensorData logits, Map<HookPoint, TensorData> activations) {
        this(logits, activations, null);
    }

    /**
     * Returns this readout with the sites at which its request's interventions fired.
     *
     * @param sites the site names
     * @return the readout
     * @since 0.3
     */
    public ForwardReadout withFired(Set<String> sites) {
        return new ForwardReadout(logits, activations, requireNonNull(sites, "sites is null"));
    }

    /**
     * Returns the logits of the last read position.
     *
     * @return {@code [vocab]}
     */
    public float[] lastLogits() {
        if (logits == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "this forward's readout asked for no logits");
        }
        int vocab = (int) logits.shape()[1];
        float[] data = logits.data();
        float[] last = new float[vocab];
        System.arraycopy(data, data.length - vocab, last, 0, vocab);
        return last;
    }

    /**
     * Returns a read activation.
     *
     * @param point the hook point
     * @return the activation
     */
    public TensorData get(HookPoint point) {
        TensorData value = activations.get(point);
        if (value == null) {
            throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook point '" + point + "' was not read; read: " + activations.keySet());
        }
        return value;
    }
}
