package io.interp4j.engine.onnx;

import ai.onnx.proto.OnnxMl;
import io.interp4j.api.hook.HookPoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole model as a list of ONNX nodes in forward order, with the value each hook point names.
 * Segments (see {@link Segments}) are cut out of it at the active hook points.
 */
final class GraphIr {
    static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = OnnxMl.TensorProto.DataType.INT64_VALUE;
    static final int UINT8 = OnnxMl.TensorProto.DataType.UINT8_VALUE;
    static final int INT8 = OnnxMl.TensorProto.DataType.INT8_VALUE;
    static final int INT32 = OnnxMl.TensorProto.DataType.INT32_VALUE;
    static final int BOOL = OnnxMl.TensorProto.DataType.BOOL_VALUE;
    /** The domain of ONNX Runtime's contrib operators. */
    static final String MICROSOFT = "com.microsoft";

    /** One node; its outputs are produced by it alone. */
    record Node(String op, String domain, List<String> inputs, List<String> outputs, List<OnnxMl.AttributeProto> attributes) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> types = new HashMap<>();
    private final Set<String> runtimeInputs = new LinkedHashSet<>();
    private final Set<String> weights = new LinkedHashSet<>();
    private final Map<String, OnnxMl.TensorProto> constants = new LinkedHashMap<>();
    private final Map<HookPoint, String> hookValues = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private int counter;

    List<Node> nodes() {
        return nodes;
    }

    int type(String value) {
        return types.getOrDefault(value, FLOAT);
    }

    boolean isRuntimeInput(String value) {
        return runtimeInputs.contains(value);
    }

    boolean isWeight(String value) {
        return weights.contains(value);
    }

    Map<String, OnnxMl.TensorProto> constants() {
        return constants;
    }

    Map<HookPoint, String> hookValues() {
        return hookValues;
    }

    List<String> outputs() {
        return outputs;
    }

    /** Declares an input fed on every call (token ids, RoPE tables, mask, past keys and values). */
    String input(String name, int type) {
        runtimeInputs.add(name);
        types.put(name, type);
        return name;
    }

    /** Declares a float32 weight, fed from the checkpoint's memory mapping. */
    String weight(String name) {
        return weight(name, FLOAT);
    }

    /** Declares a weight of another element type (quantised codes). */
    String weight(String name, int type) {
        weights.add(name);
        types.put(name, type);
        return name;
    }

    /** Adds an ONNX Runtime contrib node with one float output. */
    String contrib(String type, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String out = "v" + counter++ + "_" + type;
        nodes.add(new Node(type, MICROSOFT, List.copyOf(inputs), List.of(out), List.of(attributes)));
        types.put(out, FLOAT);
        return out;
    }

    /** Marks a value as a model output (logits, present keys and values). */
    void output(String value) {
        outputs.add(value);
    }

    /** Rewrites a hook point's value before it is marked (compiled interventions). */
    interface Rewriter {
        String rewrite(GraphIr graph, HookPoint point, String value);
    }

    private Rewriter rewriter = (graph, point, value) -> value;

    void rewriter(Rewriter r) {
        this.rewriter = r;
    }

    /** Records which value a hook point names, after any compiled intervention there; returns it. */
    String mark(HookPoint point, String value) {
        String rewritten = rewriter.rewrite(this, point, value);
        hookValues.put(point, rewritten);
        return rewritten;
    }

    /** Adds a node with one float output. */
    String op(String type, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        return typed(type, FLOAT, inputs, attributes);
    }

    /** Adds a node with one output of the given element type. */
    String typed(String type, int elementType, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String out = "v" + counter++ + "_" + type;
        nodes.add(new Node(type, "", List.copyOf(inputs), List.of(out), List.of(attributes)));
        types.put(out, elementType);
        return out;
    }

    /** Adds a node with several float outputs. */
    List<String> multi(String type, List<String> inputs, int count, OnnxMl.AttributeProto... attributes) {
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String out = "v" + counter++ + "_" + type + i;
            outs.add(out);
            types.put(out, FLOAT);
        }
        nodes.add(new Node(type, "", List.copyOf(inputs), List.copyOf(outs), List.of(attributes)));
        return outs;
    }

    /** A 1-D int64 constant. */
    String ints(long... values) {
        String name = "c" + counter++;
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        constants.put(name, t.build());
        types.put(name, INT64);
        return name;
    }

    /** A scalar float constant. */
    String scalar(float value) {
        String name = "c" + counter++;
        constants.put(name, OnnxMl.TensorProto.newBuilder().setName(name).setDataType(FLOAT).addFloatData(value).build());
        types.put(name, FLOAT);
        return name;
    }

    /** A float constant of the given shape, row-major. */
    String floats(float[] values, long... shape) {
        String name = "c" + counter++;
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        for (long d : shape) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        constants.put(name, t.build());
        types.put(name, FLOAT);
        return name;
    }

    static OnnxMl.AttributeProto attr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    static OnnxMl.AttributeProto attr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static OnnxMl.AttributeProto attr(String name, long... values) {
        OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }
}
