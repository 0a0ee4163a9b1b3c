package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
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
    private static final List<String> ENTRY_KEYS = List.of("dtype", "shape", "data_offsets");

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
     *     when the file is truncated, its header length is above 100 MB, the header is not strict
     *     JSON ({@link StrictJson}) or has an unknown entry key, the tensors do not cover the data
     *     section exactly (a hole, an overlap, trailing bytes), a dtype is unknown or a size does not
     *     match its shape. Reading a tensor ({@link #map}, {@link #float32}) refuses NaN and ±Infinity.
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
        // bounded before anything is allocated; negative as a signed long is 2^63 or more unsigned
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw invalid(path, "header length " + Long.toUnsignedString(headerLength) + " exceeds the " + MAX_HEADER_BYTES
                    + "-byte limit (not a safetensors file?)");
        }
        if (headerLength > size - 8) {
            throw invalid(path, "header length " + headerLength + " runs past the end of the file (" + size
                    + " bytes; truncated or not safetensors?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(path, channel, headerBytes, 8);
        if (headerLength == 0 || headerBytes.get(0) != '{') {
            throw invalid(path, "header must start with '{' (a JSON object), found "
                    + (headerLength == 0 ? "an empty header" : "byte 0x" + Integer.toHexString(headerBytes.get(0) & 0xff)));
        }
        long dataStart = 8 + headerLength;
        Header header = parseHeader(path, headerBytes.flip(), size - dataStart);
        return new SafetensorsFile(path, channel, dataStart, header.tensors(), header.metadata());
    }

    /** A parsed and checked header. */
    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    /**
     * Parses a header strictly (see {@link StrictJson}) and checks that its tensors cover the data
     * section exactly, as the safetensors reference does: sorted by offset, each tensor starts where the
     * previous one ended, the first at 0 and the last ending at the data section's end (no hole, no
     * overlap, no trailing byte). A header length a few bytes short of the real header leaves the data
     * section longer than the tensors, so it is refused instead of shifting every tensor.
     */
    private static Header parseHeader(Path path, ByteBuffer headerBytes, long dataSize) {
        StrictJson json = StrictJson.in(path + ": header", ErrorCode.INVALID_CHECKPOINT);
        JsonObject header = json.object(json.parse(headerBytes), "the header");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                JsonObject object = json.object(entry.getValue(), "__metadata__");
                for (Map.Entry<String, JsonElement> m : object.entrySet()) {
                    metadata.put(m.getKey(), json.string(m.getValue(), "__metadata__." + m.getKey()));
                }
                continue;
            }
            tensors.put(name, parseEntry(path, name, entry.getValue(), dataSize));
        }
        checkCoverage(path, tensors.values(), dataSize);
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonElement value, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        StrictJson json = StrictJson.in(where, ErrorCode.INVALID_CHECKPOINT);
        JsonObject object = json.object(value, "the entry");
        for (String key : object.keySet()) {
            if (!ENTRY_KEYS.contains(key)) {
                throw json.error("unknown key '" + key + "'; allowed: " + ENTRY_KEYS);
            }
        }
        DType dtype = DType.parse(json.string(json.required(object, "dtype"), "dtype"), where);
        JsonArray shapeArray = json.array(json.required(object, "shape"), "shape");
        long[] shape = new long[shapeArray.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = json.integer(shapeArray.get(i), "shape[" + i + "]", 0, Long.MAX_VALUE);
        }
        JsonArray offsets = json.array(json.required(object, "data_offsets"), "data_offsets");
        if (offsets.size() != 2) {
            throw json.error("'data_offsets' must be [begin, end], found " + offsets);
        }
        long begin = json.integer(offsets.get(0), "data_offsets[0]", 0, Long.MAX_VALUE);
        long end = json.integer(offsets.get(1), "data_offsets[1]", 0, Long.MAX_VALUE);
        if (begin > end) {
            throw json.error("data_offsets begin " + begin + " is after end " + end);
        }
        if (end > dataSize) {
            throw json.error("data_offsets [" + begin + ", " + end + "] run past the end of the data section (" + dataSize
                    + " bytes; file truncated?)");
        }
        TensorInfo info = new TensorInfo(path, name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.elementCount(), dtype.bytes());
        } catch (ArithmeticException e) {
            throw json.error("shape " + Arrays.toString(shape) + " is too large");
        }
        if (end - begin != expected) {
            throw json.error("data_offsets span " + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + expected);
        }
        return info;
    }

    private static void checkCoverage(Path path, Collection<TensorInfo> infos, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo info : sorted) {
            if (info.begin() != covered) {
                String before = previous == null ? "the start of the data section" : "the end of tensor '" + previous.name() + "'";
                throw invalid(path, info.begin() > covered
                        ? "a hole of " + (info.begin() - covered) + " bytes in the data section between " + before + " (byte "
                                + covered + ") and tensor '" + info.name() + "' (byte " + info.begin() + "); tensors must cover it exactly"
                        : "tensors '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "] and '" + info.name()
                                + "' [" + info.begin() + ", " + info.end() + "] overlap");
            }
            covered = info.end();
            previous = info;
        }
        if (covered != dataSize) {
            throw invalid(path, "the data section is " + dataSize + " bytes but the tensors cover " + covered + ": "
                    + (dataSize - covered) + " trailing bytes (wrong header length, or bytes appended?); tensors must cover it exactly");
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
            ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteCount())
                    .order(ByteOrder.LITTLE_ENDIAN);
            checkFinite(info, data, 0);
            return data;
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
            checkFinite(info, chunk, done);
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

    /**
     * Refuses a tensor holding NaN or ±Infinity: a checkpoint with one gives non-finite logits that
     * look like results. The test is on the exponent bits (all ones), so it reads each element once.
     *
     * @param data the raw elements from position 0 to the limit (not moved)
     * @param first the index of the first element in {@code data}
     */
    private void checkFinite(TensorInfo info, ByteBuffer data, long first) {
        int n = data.limit() / info.dtype().bytes();
        for (int i = 0; i < n; i++) {
            boolean finite = switch (info.dtype()) {
                case F32 -> (data.getInt(i * 4) & 0x7f80_0000) != 0x7f80_0000;
                case BF16 -> (data.getShort(i * 2) & 0x7f80) != 0x7f80;
                case F16 -> (data.getShort(i * 2) & 0x7c00) != 0x7c00;
            };
            if (!finite) {
                float value = switch (info.dtype()) {
                    case F32 -> data.getFloat(i * 4);
                    case BF16 -> DType.bf16ToFloat(data.getShort(i * 2));
                    case F16 -> DType.f16ToFloat(data.getShort(i * 2));
                };
                throw invalid(path, "tensor '" + info.name() + "' holds " + value + " at element " + (first + i)
                        + "; weights must be finite");
            }
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
