package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, validated strictly when opened and read tensor by tensor through memory
 * mappings of exactly each tensor's byte range, so files over 2 GiB work and no tensor is copied
 * unless it has to be widened.
 *
 * <p>Format: an unsigned 64-bit little-endian header length N, N bytes of JSON header, then the data
 * section; each header entry gives {@code dtype}, {@code shape} and {@code data_offsets} relative to
 * the data section.
 *
 * @since 0.1
 */
@Internal
public final class SafetensorsFile implements AutoCloseable {
    /** The safetensors reference implementation refuses headers above 100 MB; so do we. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final int CHUNK_ELEMENTS = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @param path the file
     * @return the open file
     * @throws Interp4jException with {@link ErrorCode#INVALID_CHECKPOINT} naming the file and tensor
     *     when the file is truncated, its header is malformed, offsets overlap or leave the data
     *     section, a dtype is unknown or a size does not match its shape
     */
    public static SafetensorsFile open(Path path) {
        requireNonNull(path, "path is null");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, path + ": file not found");
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            SafetensorsFile file = parse(path, channel);
            return file;
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel channel) {
        long size;
        try {
            size = channel.size();
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": cannot read size: " + e.getMessage(), e);
        }
        if (size < 8) {
            throw invalid(path, "file is " + size + " bytes, too short for the 8-byte header length (truncated?)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 0 || headerLength > size - 8) {
            throw invalid(path, "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + size + " bytes; truncated or not safetensors?)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw invalid(path, "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(path, channel, headerBytes, 8);
        String headerText = new String(headerBytes.array(), StandardCharsets.UTF_8);
        JsonObject header;
        try {
            JsonElement element = JsonParser.parseString(headerText);
            if (!element.isJsonObject()) {
                throw invalid(path, "header is not a JSON object");
            }
            header = element.getAsJsonObject();
        } catch (RuntimeException e) {
            if (e instanceof Interp4jException) {
                throw e;
            }
            throw invalid(path, "header is not valid JSON: " + e.getMessage());
        }
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                if (!entry.getValue().isJsonObject()) {
                    throw invalid(path, "__metadata__ is not an object of strings");
                }
                for (Map.Entry<String, JsonElement> m : entry.getValue().getAsJsonObject().entrySet()) {
                    metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
                }
                continue;
            }
            tensors.put(name, parseEntry(path, name, entry.getValue(), dataSize));
        }
        checkOverlaps(path, tensors.values());
        return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonElement value, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": entry is not an object");
        }
        JsonObject object = value.getAsJsonObject();
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!object.has(key)) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": missing '" + key + "'");
            }
        }
        JsonElement dtypeText = object.get("dtype");
        if (!dtypeText.isJsonPrimitive() || !dtypeText.getAsJsonPrimitive().isString()) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": 'dtype' is not a string: " + dtypeText);
        }
        DType dtype = DType.parse(dtypeText.getAsString(), where);
        long[] shape = longArray(object.get("shape"), where, "shape");
        long[] offsets = longArray(object.get("data_offsets"), where, "data_offsets");
        if (offsets.length != 2) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": data_offsets must be [begin, end], found " + Arrays.toString(offsets));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": data_offsets begin " + begin + " is after end " + end);
        }
        if (end > dataSize) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": data_offsets [" + begin + ", " + end
                    + "] run past the end of the data section (" + dataSize + " bytes; file truncated?)");
        }
        TensorInfo info = new TensorInfo(path, name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.elementCount(), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (end - begin != expected) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": data_offsets span " + (end - begin)
                    + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return info;
    }

    private static long[] longArray(JsonElement element, String where, String key) {
        if (!element.isJsonArray()) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": '" + key + "' is not an array");
        }
        JsonArray array = element.getAsJsonArray();
        long[] result = new long[array.size()];
        for (int i = 0; i < result.length; i++) {
            JsonElement item = array.get(i);
            boolean integral = item.isJsonPrimitive() && item.getAsJsonPrimitive().isNumber()
                    && item.getAsString().matches("-?[0-9]+");
            if (!integral) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": '" + key + "' holds a non-integer " + item);
            }
            try {
                result[i] = item.getAsLong();
            } catch (NumberFormatException e) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": '" + key + "' holds an out-of-range " + item);
            }
            if (result[i] < 0) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, where + ": '" + key + "' holds a negative value " + result[i]);
            }
        }
        return result;
    }

    private static void checkOverlaps(Path path, Iterable<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        // compare each tensor with the one reaching furthest so far, not just its neighbour: an empty
        // tensor sorted in between must not hide an overlap
        TensorInfo a = null;
        for (TensorInfo b : sorted) {
            if (b.byteCount() == 0) {
                continue;
            }
            if (a != null && b.begin() < a.end()) {
                throw invalid(path, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + "] and '" + b.name()
                        + "' [" + b.begin() + ", " + b.end() + "] overlap");
            }
            if (a == null || b.end() > a.end()) {
                a = b;
            }
        }
    }

    /**
     * Returns the file's path.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the tensors in header order.
     *
     * @return name to entry, unmodifiable
     */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Returns the header's {@code __metadata__} map.
     *
     * @return the metadata, unmodifiable, empty when absent
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Returns the entry of a tensor.
     *
     * @param name the tensor name
     * @return its entry
     * @throws Interp4jException if the file has no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw invalid(path, "no tensor '" + name + "'");
        }
        return info;
    }

    /**
     * Maps a tensor's raw bytes, read-only and little-endian, position 0 at the tensor's first byte.
     * Never write to the buffer or hand it to an in-place native operation.
     *
     * @param info an entry of this file
     * @return the mapping
     */
    public ByteBuffer map(TensorInfo info) {
        checkOwned(info);
        if (info.byteCount() > Integer.MAX_VALUE) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED,
                    path + ": tensor '" + info.name() + "' is " + info.byteCount() + " bytes; one tensor may be at most 2 GiB");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteCount())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": cannot map tensor '" + info.name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Returns a tensor as a direct little-endian float32 buffer with position 0. Aligned float32 data is
     * the mapping itself (zero-copy, read-only); bfloat16, float16 and misaligned data are widened into
     * a new direct buffer with positional reads, so the narrow bytes never stay resident.
     *
     * @param info an entry of this file
     * @return the float32 data
     */
    public ByteBuffer float32(TensorInfo info) {
        checkOwned(info);
        long count = info.elementCount();
        if (count * 4 > Integer.MAX_VALUE) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED,
                    path + ": tensor '" + info.name() + "' needs " + count * 4 + " bytes as float32; one tensor may be at most 2 GiB");
        }
        if (info.dtype() == DType.F32 && (dataStart + info.begin()) % 4 == 0) {
            return map(info);
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * 4)).order(ByteOrder.LITTLE_ENDIAN);
        widenInto(info, out);
        return out.clear();
    }

    /**
     * Reads a tensor into a new float array (for small tensors and tests).
     *
     * @param info an entry of this file
     * @return the values, row-major
     */
    public float[] readFloats(TensorInfo info) {
        ByteBuffer data = float32(info);
        float[] result = new float[Math.toIntExact(info.elementCount())];
        data.asFloatBuffer().get(result);
        return result;
    }

    private void widenInto(TensorInfo info, ByteBuffer out) {
        int width = info.dtype().bytes();
        long count = info.elementCount();
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(count, CHUNK_ELEMENTS) * width).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        while (done < count) {
            int n = (int) Math.min(CHUNK_ELEMENTS, count - done);
            chunk.clear().limit(n * width);
            readFully(path, channel, chunk, dataStart + info.begin() + done * width);
            chunk.flip();
            for (int i = 0; i < n; i++) {
                out.putFloat(switch (info.dtype()) {
                    case F32 -> chunk.getFloat();
                    case BF16 -> DType.bf16ToFloat(chunk.getShort());
                    case F16 -> DType.f16ToFloat(chunk.getShort());
                });
            }
            done += n;
        }
    }

    private void checkOwned(TensorInfo info) {
        if (!info.file().equals(path) || tensors.get(info.name()) == null) {
            throw new IllegalArgumentException(info + " does not belong to " + path);
        }
    }

    private static void readFully(Path path, FileChannel channel, ByteBuffer target, long position) {
        try {
            long at = position;
            while (target.hasRemaining()) {
                int n = channel.read(target, at);
                if (n < 0) {
                    throw invalid(path, "unexpected end of file at byte " + at + " (truncated?)");
                }
                at += n;
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": read failed: " + e.getMessage(), e);
        }
    }

    private static Interp4jException invalid(Path path, String message) {
        return new Interp4jException(ErrorCode.INVALID_CHECKPOINT, path + ": " + message);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing; the original error is the one to report
        }
    }

    /** Closes the file. Mappings already handed out stay valid until they are garbage collected. */
    @Override
    public void close() {
        closeQuietly(channel);
    }
}
