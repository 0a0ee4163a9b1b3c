package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes safetensors files tensor by tensor (each tensor's data is produced only when it is written),
 * atomically: the file appears under its name only once complete.
 *
 * @since 0.1
 */
@Internal
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * One tensor to write.
     *
     * @param name the tensor name
     * @param dtype the storage type; float data is narrowed to it
     * @param shape the shape
     * @param data produces the row-major values when the tensor is written
     * @since 0.1
     */
    public record Entry(String name, DType dtype, long[] shape, Supplier<float[]> data) {
        /** Validates the entry. */
        public Entry {
            requireNonNull(name, "name is null");
            requireNonNull(dtype, "dtype is null");
            shape = requireNonNull(shape, "shape is null").clone();
            requireNonNull(data, "data is null");
        }

        long elementCount() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    /**
     * Writes a safetensors file.
     *
     * @param file the target; replaced atomically
     * @param entries the tensors, written in this order
     * @param metadata the header's {@code __metadata__}
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Entry e : entries) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            long end = offset + e.elementCount() * e.dtype().bytes();
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            t.add("data_offsets", offsets);
            header.add(e.name(), t);
            offset = end;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        // pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(out, head.flip());
            for (Entry e : entries) {
                float[] values = e.data().get();
                if (values.length != e.elementCount()) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "tensor '" + e.name() + "' has " + values.length + " values, shape "
                            + Arrays.toString(e.shape()) + " needs " + e.elementCount());
                }
                writeValues(out, values, e.dtype());
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot write: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot move into place: " + e.getMessage(), e);
        }
    }

    private static void writeValues(FileChannel out, float[] values, DType dtype) throws IOException {
        int chunk = 1 << 18;
        ByteBuffer buffer = ByteBuffer.allocate(chunk * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < values.length; start += chunk) {
            buffer.clear();
            int end = Math.min(values.length, start + chunk);
            for (int i = start; i < end; i++) {
                switch (dtype) {
                    case F32 -> buffer.putFloat(values[i]);
                    case BF16 -> buffer.putShort(DType.floatToBf16(values[i]));
                    case F16 -> throw new Interp4jException(ErrorCode.UNSUPPORTED, "writing float16 is not supported; allowed: F32, BF16");
                }
            }
            writeFully(out, buffer.flip());
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: the original failure is reported
        }
    }
}
