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
import java.util.TreeSet;

/**
 * Cuts the model graph where Java code replaces a value, and nowhere else. Each segment ends right
 * after the node that produces a replaced value; it takes what it reads from earlier segments (or the
 * runtime inputs and weights) as inputs and hands on what later segments read as outputs. A segment
 * that observes also hands out every hook point's value it computes as an extra output, so reading or
 * caching any set of hook points needs no cut and one compiled graph serves every such set. With no
 * replaced value the model is one fused segment.
 */
final class Segments {
    /**
     * One segment: its ONNX model, what it reads, its outputs — those later segments read or the model
     * returns ({@code handedOn}) and the values of the hook points it hands out (in forward order) — and
     * the weights it reads, which are either initializers supplied at
     * session creation or, when {@code weightsFed}, graph inputs fed on every run.
     */
    record Segment(byte[] model, List<String> inputs, List<String> outputs, List<String> handedOn, List<HookPoint> hooksAfter,
            List<String> weights, boolean weightsFed) {}

    private Segments() {}

    /**
     * Cuts the graph.
     *
     * @param graph the model graph
     * @param replaced the hook points where Java code may replace the value
     * @param observe whether every hook point's value is an extra output
     * @param weightsFed whether weights are graph inputs fed on every run (used in place, never copied or
     *     prepacked) rather than initializers
     * @param weightShapes the shape of every weight
     * @return the segments in order
     */
    static List<Segment> cut(GraphIr graph, Set<HookPoint> replaced, boolean observe, boolean weightsFed, Map<String, long[]> weightShapes) {
        List<GraphIr.Node> nodes = graph.nodes();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                producer.put(out, i);
            }
        }
        // the nodes after which a replaced value is fed on; a hook point whose value is a graph input (a start
        // layer's residual) is seen before any segment runs and cuts nothing
        TreeSet<Integer> cuts = new TreeSet<>();
        for (HookPoint point : replaced) {
            Integer at = producer.get(graph.hookValues().get(point));
            if (at != null) {
                cuts.add(at);
            }
        }
        List<int[]> ranges = new ArrayList<>();
        int start = 0;
        for (int end : cuts) {
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
            List<String> handedOn = List.copyOf(outputs);
            List<HookPoint> hooksAfter = new ArrayList<>();
            for (Map.Entry<HookPoint, String> e : graph.hookValues().entrySet()) {
                if (produced.contains(e.getValue()) && (observe || replaced.contains(e.getKey()))) {
                    outputs.add(e.getValue());
                    hooksAfter.add(e.getKey());
                }
            }
            segments.add(new Segment(model(graph, from, to, inputs, outputs, constants, weights, weightsFed, weightShapes),
                    List.copyOf(inputs), List.copyOf(outputs), handedOn, List.copyOf(hooksAfter), List.copyOf(weights), weightsFed));
        }
        return segments;
    }

    private static byte[] model(GraphIr graph, int from, int to, Set<String> inputs, Set<String> outputs, Set<String> constants,
            Set<String> weights, boolean weightsFed, Map<String, long[]> weightShapes) {
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
        // weights fed as inputs are read in place on every run; as initializers whose data the session
        // receives from Java (addExternalInitializers) ONNX Runtime takes its own copy, which it can prepack
        // for its matrix kernels
        for (String w : weights) {
            if (weightsFed) {
                g.addInput(valueInfo(w, graph.type(w)));
                continue;
            }
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(w).setDataType(graph.type(w))
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
            long size = graph.type(w) == GraphIr.UINT8 || graph.type(w) == GraphIr.INT8 ? 1 : 4;
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
