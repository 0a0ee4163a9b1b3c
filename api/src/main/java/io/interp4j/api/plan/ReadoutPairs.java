package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * A {@link ReadoutSink} for plans whose requests are read against a reference request of the same plan
 * (an ablated forward against its prompt's clean one): it keeps the reference readouts and hands every
 * other readout to a consumer together with its reference, whatever order they arrive in. A readout
 * that arrives before its reference waits for it (the planner never does this, so in practice only the
 * references are kept).
 *
 * <p>Not thread-safe: a sink runs on the executor's calling thread.
 *
 * @since 0.3
 */
@Stable
public final class ReadoutPairs implements ReadoutSink {
    /** What a paired readout is handed to. */
    @FunctionalInterface
    public interface Consumer {
        /**
         * Takes a readout with its reference.
         *
         * @param index the request's index in the plan
         * @param readout what it read
         * @param reference what its reference request read
         */
        void accept(int index, ForwardReadout readout, ForwardReadout reference);
    }

    /** What a pair of last-position logits is handed to. */
    @FunctionalInterface
    public interface LastLogits {
        /**
         * Takes a readout's last-position logits with its reference's.
         *
         * @param index the request's index in the plan
         * @param logits its last-position logits
         * @param reference its reference request's last-position logits (the same array for every request
         *     of that reference: do not modify it)
         */
        void accept(int index, float[] logits, float[] reference);
    }

    /**
     * Pairs readouts by their last-position logits, each reference's copied out once, not once per
     * readout read against it (a reference of a 151,936-token vocabulary is read against tens of
     * thousands of ablations).
     *
     * @param referenceOf as for {@link #ReadoutPairs(IntUnaryOperator, Consumer)}
     * @param consumer takes every other readout's last-position logits with its reference's
     * @return the sink
     */
    public static ReadoutPairs lastLogits(IntUnaryOperator referenceOf, LastLogits consumer) {
        requireNonNull(consumer, "consumer is null");
        Map<Integer, float[]> references = new HashMap<>();
        return new ReadoutPairs(referenceOf, (index, readout, reference) -> consumer.accept(index, readout.lastLogits(),
                references.computeIfAbsent(referenceOf.applyAsInt(index), r -> reference.lastLogits())));
    }

    private final IntUnaryOperator referenceOf;
    private final Consumer consumer;
    private final Map<Integer, ForwardReadout> references = new HashMap<>();
    private final Map<Integer, List<Waiting>> waiting = new HashMap<>();

    private record Waiting(int index, ForwardReadout readout) {}

    /**
     * Creates the sink.
     *
     * @param referenceOf a request's reference request index, or the request's own index when it is a
     *     reference (a reference is kept and not handed to the consumer)
     * @param consumer takes every other readout with its reference
     */
    public ReadoutPairs(IntUnaryOperator referenceOf, Consumer consumer) {
        this.referenceOf = requireNonNull(referenceOf, "referenceOf is null");
        this.consumer = requireNonNull(consumer, "consumer is null");
    }

    @Override
    public void accept(int index, ForwardReadout readout) {
        int reference = referenceOf.applyAsInt(index);
        if (reference == index) {
            references.put(index, readout);
            List<Waiting> early = waiting.remove(index);
            if (early != null) {
                early.forEach(w -> consumer.accept(w.index(), w.readout(), readout));
            }
            return;
        }
        ForwardReadout known = references.get(reference);
        if (known == null) {
            waiting.computeIfAbsent(reference, r -> new ArrayList<>()).add(new Waiting(index, readout));
        } else {
            consumer.accept(index, readout, known);
        }
    }

    /**
     * Returns a reference readout (kept once it arrived).
     *
     * @param index the reference request's index
     * @return its readout
     * @throws IllegalStateException when it has not arrived
     */
    public ForwardReadout reference(int index) {
        ForwardReadout readout = references.get(index);
        if (readout == null) {
            throw new IllegalStateException("reference request " + index + " has not been read");
        }
        return readout;
    }

    /**
     * Checks that no readout still waits for a reference (call it after the plan ran).
     *
     * @throws IllegalStateException naming a reference that never arrived
     */
    public void requireComplete() {
        if (!waiting.isEmpty()) {
            throw new IllegalStateException("readouts wait for reference request(s) " + waiting.keySet() + " that were never read");
        }
    }
}
