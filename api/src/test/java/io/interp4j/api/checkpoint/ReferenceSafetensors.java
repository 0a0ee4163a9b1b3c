package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent reader of the safetensors format for the fuzz tests, sharing no code with {@link
 * SafetensorsFile}: the header's JSON is parsed by Typesafe Config's JSON parser, offsets are checked
 * against the format's rules (the tensors cover the data section exactly), and values are decoded
 * from the raw bytes here, bfloat16 and float16 included. It is called only on files the loader
 * accepted, and asserts that those files obey the format.
 */
final class ReferenceSafetensors {
    /** One tensor as the reference reads it. */
    record Tensor(String dtype, long[] shape, long begin, long end) {}

    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final byte[] file;
    private final long dataStart;

    ReferenceSafetensors(byte[] file) {
        this.file = file;
        assertThat(file.length).as("8-byte length").isGreaterThanOrEqualTo(8);
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n).as("header length").isBetween(0L, file.length - 8L);
        dataStart = 8 + n;
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        ConfigObject root = ConfigFactory.parseString(header, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).root();
        for (Map.Entry<String, ConfigValue> e : root.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            ConfigObject entry = (ConfigObject) e.getValue();
            String dtype = (String) entry.get("dtype").unwrapped();
            ConfigList shapeList = (ConfigList) entry.get("shape");
            long[] shape = new long[shapeList.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = ((Number) shapeList.get(i).unwrapped()).longValue();
            }
            ConfigList offsets = (ConfigList) entry.get("data_offsets");
            assertThat(offsets).hasSize(2);
            tensors.put(e.getKey(), new Tensor(dtype, shape, ((Number) offsets.get(0).unwrapped()).longValue(),
                    ((Number) offsets.get(1).unwrapped()).longValue()));
        }
        List<Map.Entry<String, Tensor>> sorted = new ArrayList<>(tensors.entrySet());
        sorted.sort(Comparator.comparingLong((Map.Entry<String, Tensor> t) -> t.getValue().begin()).thenComparingLong(t -> t.getValue().end()));
        long at = 0;
        for (Map.Entry<String, Tensor> t : sorted) {
            assertThat(t.getValue().begin()).as("tensor %s starts where the previous one ended", t.getKey()).isEqualTo(at);
            long elements = 1;
            for (long d : t.getValue().shape()) {
                elements *= d;
            }
            assertThat(t.getValue().end() - t.getValue().begin()).as("tensor %s size", t.getKey()).isEqualTo(elements * width(t.getValue().dtype()));
            at = t.getValue().end();
        }
        assertThat(at).as("the tensors end where the file ends").isEqualTo(file.length - dataStart);
    }

    static int width(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> throw new AssertionError("the loader accepted dtype " + dtype);
        };
    }

    /** Decodes a tensor's values from the raw bytes. */
    float[] floats(String name) {
        Tensor t = tensors.get(name);
        int w = width(t.dtype());
        int count = (int) ((t.end() - t.begin()) / w);
        float[] out = new float[count];
        ByteBuffer raw = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int at = (int) (dataStart + t.begin()) + i * w;
            out[i] = switch (t.dtype()) {
                case "F32" -> Float.intBitsToFloat(raw.getInt(at));
                case "BF16" -> Float.intBitsToFloat((raw.getShort(at) & 0xffff) << 16);
                default -> half(raw.getShort(at) & 0xffff);
            };
        }
        return out;
    }

    /** IEEE 754 binary16 to float, written out: sign, 5-bit exponent (bias 15), 10-bit fraction. */
    static float half(int bits) {
        // a double, so that a negative zero (0x8000) keeps its sign: an int -1 times a zero fraction is +0
        double sign = (bits >> 15) == 0 ? 1 : -1;
        int exponent = (bits >> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        if (exponent == 0) {
            return (float) (sign * fraction * Math.pow(2, -24)); // subnormal: fraction · 2^-14 / 2^10
        }
        if (exponent == 31) {
            return fraction == 0 ? (float) (sign * Float.POSITIVE_INFINITY) : Float.NaN;
        }
        return (float) (sign * (1 + fraction / 1024.0) * Math.pow(2, exponent - 15));
    }
}
