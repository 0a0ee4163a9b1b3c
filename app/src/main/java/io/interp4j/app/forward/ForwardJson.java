package io.interp4j.app.forward;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ForwardResult;
import java.io.IOException;
import java.io.Writer;
import java.util.Map;

/**
 * The {@code forward} output contract: {@code {"tokens": [...], "logits": [[vocab floats] per
 * position], "cache": {"<hook point>": {"shape": [...], "data": [row-major floats]}}}}. Floats are
 * written with the shortest decimal that reads back to the same float32; masked attention scores are
 * written as {@code -Infinity}, which Python's {@code json} module reads.
 */
final class ForwardJson {
    private ForwardJson() {}

    static void write(Writer w, int[] tokens, ForwardResult result) throws IOException {
        w.write("{\"tokens\":[");
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(Integer.toString(tokens[i]));
        }
        w.write("],\"logits\":[");
        NDArray logits = result.logits();
        long vocab = logits.getShape().get(2);
        float[] values = logits.toFloatArray();
        for (int p = 0; p < tokens.length; p++) {
            if (p > 0) {
                w.write(',');
            }
            writeFloats(w, values, (int) (p * vocab), (int) vocab);
        }
        w.write("],\"cache\":{");
        boolean first = true;
        for (Map.Entry<HookPoint, NDArray> e : result.cache().asMap().entrySet()) {
            if (!first) {
                w.write(',');
            }
            first = false;
            w.write('"');
            w.write(e.getKey().name());
            w.write("\":{\"shape\":[");
            long[] shape = e.getValue().getShape().getShape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) {
                    w.write(',');
                }
                w.write(Long.toString(shape[i]));
            }
            w.write("],\"data\":");
            float[] data = e.getValue().toFloatArray();
            writeFloats(w, data, 0, data.length);
            w.write('}');
        }
        w.write("}}\n");
    }

    private static void writeFloats(Writer w, float[] values, int offset, int count) throws IOException {
        w.write('[');
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                w.write(',');
            }
            float v = values[offset + i];
            if (Float.isNaN(v)) {
                w.write("NaN");
            } else if (Float.isInfinite(v)) {
                w.write(v > 0 ? "Infinity" : "-Infinity");
            } else {
                w.write(Float.toString(v));
            }
        }
        w.write(']');
    }
}
