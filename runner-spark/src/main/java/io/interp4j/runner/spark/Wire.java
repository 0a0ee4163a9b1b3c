package io.interp4j.runner.spark;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Forward requests and readouts as the plain serialisable data Spark ships between the driver and its
 * executors (the api's records hold {@link Optional}s and are not {@link Serializable}): names for
 * operations, sites and hook points, primitive arrays for tensors. Decoding goes through the api's own
 * parsers and constructors, so a request is validated again where it runs.
 */
final class Wire {
    private Wire() {}

    /** A tensor. */
    record Tensor(long[] shape, float[] data) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Tensor of(TensorData t) {
            return t == null ? null : new Tensor(t.shape(), t.data());
        }

        TensorData decode() {
            return new TensorData(shape, data);
        }
    }

    /** Positions: all, or indices. */
    record At(boolean all, int[] indices) implements Serializable {
        private static final long serialVersionUID = 1L;

        static At of(Positions p) {
            return p == null ? null : new At(p.all(), p.indices());
        }

        Positions decode() {
            return new Positions(all, indices);
        }
    }

    /** One intervention; {@code value} is null when the operation takes none. */
    record Change(String operation, String site, At positions, int[] heads, double scale, Tensor value, String source) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Change of(Intervention i, Map<TensorData, Tensor> shared) {
            return new Change(i.operation().configName(), i.site().name(), At.of(i.positions()),
                    i.heads().stream().mapToInt(Integer::intValue).toArray(), i.scale(),
                    i.value().map(v -> shared.computeIfAbsent(v, Tensor::of)).orElse(null), i.source());
        }

        Intervention decode() {
            List<Integer> headList = new ArrayList<>();
            for (int h : heads) {
                headList.add(h);
            }
            return new Intervention(Operation.parse(operation), Site.parse(site), positions.decode(), headList, scale,
                    Optional.ofNullable(value).map(Tensor::decode), source);
        }
    }

    /** What to read; {@code logits} is null for no logits, and {@code points[i]} is read at {@code at[i]}. */
    record Reading(At logits, String[] points, At[] at) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Reading of(Readout r) {
            String[] points = new String[r.activations().size()];
            At[] at = new At[points.length];
            int i = 0;
            for (Map.Entry<HookPoint, Positions> e : r.activations().entrySet()) {
                points[i] = e.getKey().name();
                at[i++] = At.of(e.getValue());
            }
            return new Reading(At.of(r.logits()), points, at);
        }

        Readout decode() {
            Map<HookPoint, Positions> activations = new LinkedHashMap<>();
            for (int i = 0; i < points.length; i++) {
                activations.put(HookPoint.parse(points[i]), at[i].decode());
            }
            return new Readout(logits == null ? null : logits.decode(), activations);
        }
    }

    /** A request and its index in the driver's plan. */
    record Request(int index, String model, int[] tokens, List<Change> interventions, Reading readout) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Request of(int index, ForwardRequest r) {
            return of(index, r, new IdentityHashMap<>());
        }

        /**
         * Encodes a request, sharing the encoded values of interventions whose value is the same object as
         * an earlier one's (a steering vector or a mean activation in every request of a sweep): Java
         * serialisation then writes each such value once per task.
         */
        static Request of(int index, ForwardRequest r, Map<TensorData, Tensor> shared) {
            return new Request(index, r.model(), r.tokens(), r.interventions().stream().map(i -> Change.of(i, shared)).toList(),
                    Reading.of(r.readout()));
        }

        ForwardRequest decode() {
            return new ForwardRequest(model, tokens, interventions.stream().map(Change::decode).toList(), readout.decode());
        }
    }

    /** A readout and the index of its request in the driver's plan. */
    record Result(int index, Tensor logits, String[] points, Tensor[] values, String[] fired) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Result of(int index, ForwardReadout r) {
            String[] points = new String[r.activations().size()];
            Tensor[] values = new Tensor[points.length];
            int i = 0;
            for (Map.Entry<HookPoint, TensorData> e : r.activations().entrySet()) {
                points[i] = e.getKey().name();
                values[i++] = Tensor.of(e.getValue());
            }
            // where the request's interventions fired, for the study's intervention check (null: not recorded)
            String[] fired = r.fired() == null ? null : r.fired().toArray(String[]::new);
            return new Result(index, Tensor.of(r.logits()), points, values, fired);
        }

        ForwardReadout decode() {
            Map<HookPoint, TensorData> activations = new LinkedHashMap<>();
            for (int i = 0; i < points.length; i++) {
                activations.put(HookPoint.parse(points[i]), values[i].decode());
            }
            return new ForwardReadout(logits == null ? null : logits.decode(), activations,
                    fired == null ? null : new LinkedHashSet<>(Arrays.asList(fired)));
        }
    }
}
