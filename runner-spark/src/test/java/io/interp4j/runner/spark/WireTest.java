package io.interp4j.runner.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Requests and readouts survive Java serialisation (what Spark ships) unchanged. */
class WireTest {
    private static final TensorData VECTOR = new TensorData(new long[] {4}, new float[] {1.5f, -2f, 0f, Float.MIN_VALUE});

    @SuppressWarnings("unchecked")
    private static <T> T shipped(T value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void everyKindOfRequestComesBackEqual() throws Exception {
        List<ForwardRequest> requests = List.of(
                ForwardRequest.clean("a", new int[] {1, 2, 3}),
                new ForwardRequest("b|adapter=/x/y|quantization=int8", new int[] {7}, List.of(
                        Intervention.zero(Site.parse("blocks.1.contribution"), Positions.ALL),
                        Intervention.zero(Site.parse("blocks.0.attn.hook_z"), Positions.LAST).withHeads(List.of(0, 3)),
                        Intervention.add(Site.layerOutput(2), Positions.of(0, -1), -3.5, VECTOR, "mean difference"),
                        Intervention.replace(Site.parse("hook_embed"), Positions.FIRST, new TensorData(new long[] {1, 2, 4}, new float[8]), ""),
                        new Intervention(Operation.SCALE, Site.parse("hook_logits"), Positions.ALL, List.of(), 2, Optional.empty(), "double")),
                        Readout.logits(Positions.of(0, 2)).and(HookPoint.block(1, HookSite.ATTN_PATTERN), Positions.ALL)
                                .and(HookPoint.block(0, HookSite.RESID_POST), Positions.LAST)),
                new ForwardRequest("a", new int[] {4, 5}, List.of(), Readout.activation(HookPoint.block(0, HookSite.MLP_OUT), Positions.FIRST)));
        for (int i = 0; i < requests.size(); i++) {
            Wire.Request wire = shipped(Wire.Request.of(10 + i, requests.get(i)));
            assertThat(wire.index()).isEqualTo(10 + i);
            assertThat(wire.decode()).isEqualTo(requests.get(i));
        }
    }

    @Test
    void aValueSharedByRequestsShipsOnce() throws Exception {
        TensorData big = new TensorData(new long[] {4096}, new float[4096]);
        List<Wire.Request> requests = new java.util.ArrayList<>();
        Map<TensorData, Wire.Tensor> shared = new java.util.IdentityHashMap<>();
        for (int i = 0; i < 10; i++) {
            requests.add(Wire.Request.of(i, ForwardRequest.intervened("a", new int[] {i + 1},
                    List.of(Intervention.add(Site.layerOutput(0), Positions.LAST, i, big, "steer"))), shared));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(requests);
        }
        // one copy of the 16 KiB value, not ten
        assertThat(bytes.size()).isBetween(4096 * 4, 2 * 4096 * 4);
        List<Wire.Request> back = shipped(requests);
        for (int i = 0; i < 10; i++) {
            assertThat(back.get(i).decode().interventions().get(0).scale()).isEqualTo(i);
            assertThat(back.get(i).decode().interventions().get(0).value().orElseThrow().data()).containsExactly(big.data());
        }
    }

    @Test
    void readoutsComeBackEqual() throws Exception {
        Map<HookPoint, TensorData> activations = new LinkedHashMap<>();
        activations.put(HookPoint.block(2, HookSite.RESID_POST), new TensorData(new long[] {1, 1, 4}, new float[] {1, 2, Float.NaN, -0f}));
        activations.put(HookPoint.block(0, HookSite.ATTN_PATTERN), VECTOR);
        for (ForwardReadout readout : List.of(new ForwardReadout(VECTOR, activations), new ForwardReadout(null, Map.of()))) {
            Wire.Result wire = shipped(Wire.Result.of(3, readout));
            ForwardReadout back = wire.decode();
            assertThat(wire.index()).isEqualTo(3);
            assertThat(back.activations().keySet()).containsExactlyElementsOf(readout.activations().keySet());
            if (readout.logits() == null) {
                assertThat(back.logits()).isNull();
            } else {
                assertThat(back.logits().data()).containsExactly(readout.logits().data());
            }
            readout.activations().forEach((point, value) -> {
                assertThat(back.get(point).shape()).containsExactly(value.shape());
                assertThat(back.get(point).data()).containsExactly(value.data());
            });
        }
    }
}
