package io.interp4j.engine.onnx;

import ai.onnx.proto.OnnxMl;
import io.interp4j.api.hook.HookPoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cuts the model graph at exactly the active hook points. Each segment ends right after the node that
 * produces a hooked value; it takes what it reads from earlier segments (or the runtime inputs and
 * weights) as inputs and hands on what later segments read as outputs. With no active hook point the
 * model is one fused segment.
 */
final class Segments {
    /** One segment: its ONNX model and the hook points to run after it, in forward order. */
    record Segment(byte[] model, List<String> inputs, List<String> outputs, List<HookPoint> hooksAfter, List<String> weights) {}

    private Segments() {}

    /**
     * Cuts the graph.
     *
     * @param graph the model graph
     * @param active the active hook points
     * @param weightShapes the shape of every weight, declared as an externally supplied initializer
     * @return the segments in order
     */
    static List<Segment> cut(GraphIr graph, Set<HookPoint> active, Map<String, long[]> weightShapes) {
        List<GraphIr.Node> nodes = graph.nodes();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                producer.put(out, i);
            }
        }
        // hook points grouped by the node after which they run, in forward order
        TreeMap<Integer, List<HookPoint>> cuts = new TreeMap<>();
        for (Map.Entry<HookPoint, String> e : graph.hookValues().entrySet()) {
            Integer at = producer.get(e.getValue());
            // a hook point whose value is a graph input (a start layer's residual) is seen before any segment runs
            if (active.contains(e.getKey()) && at != null) {
                cuts.computeIfAbsent(at, k -> new ArrayList<>()).add(e.getKey());
            }
        }
        List<int[]> ranges = new ArrayList<>();
        int start = 0;
        for (int end : cuts.keySet()) {
            ranges.add(new int[] {start, end});
            start = end + 1;
        }
        if (start < nodes.size()) {
            ranges.add(new int[] {start, nodes.size() - 1});
        }
        // which segment reads each value, to know what every segment must hand on
        Map<String, Integer> lastReader = new HashMap<>();
        for (int s = 0; s < ranges.size(); s++) {
            for (int i = ranges.get(s)[0]; i <= ranges.get(s)[1]; i++) {
                for (String in : nodes.get(i).inputs()) {
                    lastReader.merge(in, s, Math::max);
                }
            }
        }
        Set<String> finalOutputs = new HashSet<>(graph.outputs());
        List<Segment> segments = new ArrayList<>();
        for (int s = 0; s < ranges.size(); s++) {
            int from = ranges.get(s)[0];
            int to = ranges.get(s)[1];
            List<HookPoint> hooksAfter = cuts.getOrDefault(to, List.of());
            Set<String> produced = new HashSet<>();
            Set<String> inputs = new LinkedHashSet<>();
            Set<String> constants = new LinkedHashSet<>();
            Set<String> weights = new LinkedHashSet<>();
            for (int i = from; i <= to; i++) {
                for (String in : nodes.get(i).inputs()) {
                    if (graph.constants().containsKey(in)) {
                        constants.add(in);
                    } else if (graph.isWeight(in)) {
                        weights.add(in);
                    } else if (!produced.contains(in)) {
                        inputs.add(in);
                    }
                }
                produced.addAll(nodes.get(i).outputs());
            }
            Set<String> outputs = new LinkedHashSet<>();
            for (int i = from; i <= to; i++) {
                for (String out : nodes.get(i).outputs()) {
                    if (finalOutputs.contains(out) || lastReader.getOrDefault(out, -1) > s) {
                        outputs.add(out);
                    }
                }
            }
            for (HookPoint point : hooksAfter) {
                outputs.add(graph.hookValues().get(point));
            }
            segments.add(new Segment(model(graph, from, to, inputs, outputs, constants, weights, weightShapes), List.copyOf(inputs),
                    List.copyOf(outputs), List.copyOf(hooksAfter), List.copyOf(weights)));
        }
        return segments;
    }

    private static byte[] model(GraphIr graph, int from, int to, Set<String> inputs, Set<String> outputs, Set<String> constants,
            Set<String> weights, Map<String, long[]> weightShapes) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("interp4j-qwen2");
        for (int i = from; i <= to; i++) {
            GraphIr.Node node = graph.nodes().get(i);
            g.addNode(OnnxMl.NodeProto.newBuilder()
                    .setOpType(node.op())
                    .setDomain(node.domain())
                    .setName("n" + i)
                    .addAllInput(node.inputs())
                    .addAllOutput(node.outputs())
                    .addAllAttribute(node.attributes()));
        }
        for (String c : constants) {
            g.addInitializer(graph.constants().get(c));
        }
        // weights are initializers whose data the session receives from Java (addExternalInitializers):
        // ONNX Runtime can then prepack them for its matrix kernels
        for (String w : weights) {
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(w).setDataType(graph.type(w))
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
            long size = graph.type(w) == GraphIr.UINT8 ? 1 : 4;
            for (long d : weightShapes.get(w)) {
                t.addDims(d);
                size *= d;
            }
            t.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("supplied-by-interp4j"));
            t.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(size)));
            g.addInitializer(t);
        }
        for (String in : inputs) {
            g.addInput(valueInfo(in, graph.type(in)));
        }
        for (String out : outputs) {
            g.addOutput(valueInfo(out, graph.type(out)));
        }
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(10)
                .setProducerName("interp4j")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(23))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(GraphIr.MICROSOFT).setVersion(1))
                .setGraph(g)
                .build()
                .toByteArray();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, int type) {
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type)))
                .build();
    }
}
