package io.interp4j.api.checkpoint;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** Pads the JSON with spaces so the data section starts 8-byte aligned. */
    private static byte[] paddedHeader(String json) {
        byte[] raw = json.getBytes(UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        java.util.Arrays.fill(out, (byte) ' ');
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    /** Writes 8-byte little-endian length + header + data, byte for byte. */
    private static Path writeRaw(Path file, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    private Path writeRaw(String json, byte[] data) throws IOException {
        return writeRaw(dir.resolve("model.safetensors"), paddedHeader(json), data);
    }

    private static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] u16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    private static Consumer<Interp4jException> invalidCheckpoint() {
        return e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CHECKPOINT);
    }

    private static void assertInvalid(ThrowingCallable call, Path file, String... parts) {
        var assertion = assertThatThrownBy(call)
                .isInstanceOfSatisfying(Interp4jException.class, invalidCheckpoint())
                .hasMessageContaining(file.toString());
        for (String part : parts) {
            assertion.hasMessageContaining(part);
        }
    }

    private static final String VALID_HEADER = """
            {"__metadata__":{"format":"pt","note":"hand written"},
             "w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
             "b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},
             "h":{"dtype":"F16","shape":[2],"data_offsets":[22,26]},
             "s":{"dtype":"F32","shape":[],"data_offsets":[26,30]}}""";

    private Path writeValid() throws IOException {
        byte[] data = concat(
                f32(1.0f, -2.5f, 0.125f, 1e6f),
                u16(0x3F80, 0xC040, 0x4049), // 1, -3, 3.140625
                u16(0x3C00, 0xC000), // 1, -2
                f32(7.0f)); // starts at data byte 26: not 4-byte aligned
        return writeRaw(VALID_HEADER, data);
    }

    @Test
    void readsF32Bf16AndF16Tensors() throws IOException {
        Path file = writeValid();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.path()).isEqualTo(file);
            assertThat(st.tensors().keySet()).containsExactly("w", "b", "h", "s");
            TensorInfo w = st.info("w");
            assertThat(w.dtype()).isEqualTo(DType.F32);
            assertThat(w.shape()).containsExactly(2, 2);
            assertThat(w.begin()).isEqualTo(0);
            assertThat(w.end()).isEqualTo(16);
            assertThat(w.elementCount()).isEqualTo(4);
            assertThat(w.byteCount()).isEqualTo(16);
            assertThat(st.readFloats(w)).containsExactly(1.0f, -2.5f, 0.125f, 1e6f);

            TensorInfo b = st.info("b");
            assertThat(b.dtype()).isEqualTo(DType.BF16);
            assertThat(st.readFloats(b)).containsExactly(1.0f, -3.0f, 3.140625f);

            TensorInfo h = st.info("h");
            assertThat(h.dtype()).isEqualTo(DType.F16);
            assertThat(st.readFloats(h)).containsExactly(1.0f, -2.0f);

            TensorInfo s = st.info("s");
            assertThat(s.shape()).isEmpty();
            assertThat(s.elementCount()).isEqualTo(1);
            assertThat(st.readFloats(s)).containsExactly(7.0f);
        }
    }

    @Test
    void readsMetadata() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(writeValid())) {
            assertThat(st.metadata()).containsExactly(
                    java.util.Map.entry("format", "pt"), java.util.Map.entry("note", "hand written"));
            assertThat(st.tensors()).doesNotContainKey("__metadata__");
        }
    }

    @Test
    void metadataIsEmptyWhenAbsent() throws IOException {
        Path file = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(2f));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.metadata()).isEmpty();
        }
    }

    @Test
    void alignedF32IsZeroCopyReadOnly() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(writeValid())) {
            ByteBuffer w = st.float32(st.info("w"));
            assertThat(w.isDirect()).isTrue();
            assertThat(w.isReadOnly()).isTrue();
            assertThat(w.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(w.position()).isZero();
            assertThat(w.remaining()).isEqualTo(16);
            assertThat(w.getFloat(0)).isEqualTo(1.0f);
            assertThat(w.getFloat(12)).isEqualTo(1e6f);
        }
    }

    @Test
    void narrowAndMisalignedDataIsWidenedIntoDirectBuffers() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(writeValid())) {
            ByteBuffer b = st.float32(st.info("b"));
            assertThat(b.isDirect()).isTrue();
            assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.position()).isZero();
            assertThat(b.remaining()).isEqualTo(12);
            assertThat(b.getFloat(4)).isEqualTo(-3.0f);

            ByteBuffer s = st.float32(st.info("s"));
            assertThat(s.isDirect()).isTrue();
            assertThat(s.remaining()).isEqualTo(4);
            assertThat(s.getFloat(0)).isEqualTo(7.0f);
        }
    }

    @Test
    void mapGivesRawBytes() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(writeValid())) {
            ByteBuffer raw = st.map(st.info("b"));
            assertThat(raw.remaining()).isEqualTo(6);
            assertThat(raw.getShort(2) & 0xffff).isEqualTo(0xC040);
        }
    }

    @Test
    void unknownTensorNamesFileAndTensor() throws IOException {
        Path file = writeValid();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertInvalid(() -> st.info("nope"), file, "'nope'");
        }
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        assertInvalid(() -> SafetensorsFile.open(file), file, "not found");
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 0, 0, 0, 0});
        assertInvalid(() -> SafetensorsFile.open(file), file, "5 bytes", "truncated");
    }

    @Test
    void emptyFile() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        Files.write(file, new byte[0]);
        assertInvalid(() -> SafetensorsFile.open(file), file, "0 bytes");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path file = dir.resolve("cut.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1000).put("{\"a\":1}   ".getBytes(UTF_8));
        Files.write(file, b.array());
        assertInvalid(() -> SafetensorsFile.open(file), file, "1000", "18 bytes");
    }

    @Test
    void headerLengthWithTopBitSetIsReportedUnsigned() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(-1L).putLong(0);
        Files.write(file, b.array());
        assertInvalid(() -> SafetensorsFile.open(file), file, "18446744073709551615");
    }

    @Test
    void truncatedData() throws IOException {
        // the header promises 16 bytes, the file holds 8
        Path file = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", f32(1f, 2f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "[0, 16]", "8 bytes");
    }

    @Test
    void overlappingOffsetsNameBothTensors() throws IOException {
        Path file = writeRaw("""
                {"first":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "second":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", f32(1f, 2f, 3f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'first'", "'second'", "overlap");
    }

    @Test
    void overlapIsFoundPastAnEmptyTensor() throws IOException {
        // "outer" covers [0, 16); the empty "gap" sorts between it and "inner" [8, 16)
        Path file = writeRaw("""
                {"outer":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},
                 "gap":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},
                 "inner":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", f32(1f, 2f, 3f, 4f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'outer'", "'gap'", "overlap");
    }

    @Test
    void emptyTensorsAndAdjacentTensorsAreFine() throws IOException {
        Path file = writeRaw("""
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "empty":{"dtype":"BF16","shape":[0,3],"data_offsets":[8,8]},
                 "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", f32(1f, 2f, 3f));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.readFloats(st.info("empty"))).isEmpty();
            assertThat(st.readFloats(st.info("b"))).containsExactly(3f);
        }
    }

    @Test
    void sizeNotMatchingShapeTimesDtype() throws IOException {
        // shape [3] of F32 needs 12 bytes, the offsets span 8
        Path file = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", f32(1f, 2f, 3f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "8 bytes", "needs 12");
    }

    @Test
    void sizeMismatchForBf16() throws IOException {
        // shape [2, 2] of BF16 needs 8 bytes, the offsets span 16
        Path file = writeRaw("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", f32(1f, 2f, 3f, 4f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "16 bytes", "needs 8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[2.7]", "[\"2\"]", "[1e0]"})
    void shapeThatIsNotIntegral(String shape) throws IOException {
        Path file = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", f32(1f, 2f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "'shape[0]' must be an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"I64", "F8_E4M3", "F64", "bf16"})
    void unknownDtype(String dtype) throws IOException {
        Path file = writeRaw("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,16]}}", f32(1f, 2f, 3f, 4f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "'" + dtype + "'", "F32, BF16, F16");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "{}", "[]"})
    void dtypeThatIsNotAString(String dtype) throws IOException {
        Path file = writeRaw("{\"w\":{\"dtype\":" + dtype + ",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "dtype");
    }

    @Test
    void headerNotJson() throws IOException {
        Path file = writeRaw("{\"w\": {\"dtype\": \"F32\", oops", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "JSON");
    }

    @Test
    void headerNotAnObject() throws IOException {
        Path file = writeRaw("[1, 2, 3]", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "must start with '{'");
    }

    @Test
    void entryNotAnObject() throws IOException {
        Path file = writeRaw("{\"w\": 5}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "must be a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void missingKeys(String key) throws IOException {
        String entry = switch (key) {
            case "dtype" -> "{\"shape\":[1],\"data_offsets\":[0,4]}";
            case "shape" -> "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}";
            default -> "{\"dtype\":\"F32\",\"shape\":[1]}";
        };
        Path file = writeRaw("{\"weight\":" + entry + "}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'weight'", "missing required key '" + key + "'");
    }

    @Test
    void malformedShapesAndOffsets() throws IOException {
        Path notArray = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(notArray), notArray, "'w'", "'shape' must be an array");

        Path negative = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(negative), negative, "'w'", "'shape[0]' is -1");

        Path three = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", f32(1f, 2f));
        assertInvalid(() -> SafetensorsFile.open(three), three, "'w'", "[begin, end]");

        Path reversed = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", f32(1f, 2f, 3f));
        assertInvalid(() -> SafetensorsFile.open(reversed), reversed, "'w'", "after end");
    }

    @Test
    void readsTensorsStoredBeyondTwoGibibytes() throws IOException {
        long beyond = (1L << 31) + 8; // data-section offset of "big", past 2^31
        // the tensors must cover the data section, so a (sparse, never read) "pad" fills [8, beyond)
        String json = "{\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"pad\":{\"dtype\":\"F32\",\"shape\":[" + (beyond - 8) / 4 + "],\"data_offsets\":[8," + beyond + "]},"
                + "\"big\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + beyond + "," + (beyond + 12) + "]},"
                + "\"bigbf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[" + (beyond + 12) + "," + (beyond + 16) + "]}}";
        byte[] header = paddedHeader(json);
        long dataStart = 8 + header.length;
        Path file = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + beyond + 16); // sparse: only the written blocks take disk space
            FileChannel channel = raf.getChannel();
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            channel.write(head, 0);
            ByteBuffer small = ByteBuffer.wrap(f32(0.5f, -0.25f));
            channel.write(small, dataStart);
            ByteBuffer big = ByteBuffer.wrap(concat(f32(1.5f, -2.0f, 1024.0f), u16(0xC040, 0x3F80)));
            while (big.hasRemaining()) {
                channel.write(big, dataStart + beyond + big.position());
            }
        }
        assertThat(Files.size(file)).isGreaterThan(1L << 31);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            TensorInfo big = st.info("big");
            assertThat(big.begin()).isGreaterThan(1L << 31);
            ByteBuffer data = st.float32(big);
            assertThat(data.isDirect()).isTrue();
            assertThat(data.isReadOnly()).isTrue(); // dataStart is 8-aligned, so this is the mapping itself
            assertThat(data.getFloat(0)).isEqualTo(1.5f);
            assertThat(data.getFloat(4)).isEqualTo(-2.0f);
            assertThat(data.getFloat(8)).isEqualTo(1024.0f);
            assertThat(st.readFloats(big)).containsExactly(1.5f, -2.0f, 1024.0f);
            assertThat(st.readFloats(st.info("bigbf"))).containsExactly(-3.0f, 1.0f);
            assertThat(st.readFloats(st.info("small"))).containsExactly(0.5f, -0.25f);
        }
    }

    @Test
    void infoFromAnotherFileIsRejected() throws IOException {
        Path file = writeValid();
        Path other = writeRaw(dir.resolve("other.safetensors"), paddedHeader(VALID_HEADER),
                concat(f32(1, 2, 3, 4), u16(1, 2, 3), u16(4, 5), f32(6)));
        try (SafetensorsFile a = SafetensorsFile.open(file); SafetensorsFile b = SafetensorsFile.open(other)) {
            assertThatThrownBy(() -> a.readFloats(b.info("w"))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** A valid file whose header length field is moved by {@code delta} bytes. */
    private Path withHeaderLength(int delta) throws IOException {
        Path file = writeValid();
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, b.getLong(0) + delta);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void headerLengthShortIntoThePaddingIsRefusedNotShifted() throws IOException {
        // the JSON still parses (the length ends inside the trailing spaces), but the data section then
        // starts early: every tensor would be read shifted. The tensors no longer cover the data section.
        Path four = withHeaderLength(-4);
        assertInvalid(() -> SafetensorsFile.open(four), four, "4 trailing bytes", "cover it exactly");
        Path one = withHeaderLength(-1);
        assertInvalid(() -> SafetensorsFile.open(one), one, "1 trailing bytes");
    }

    @Test
    void bytesAppendedAfterTheLastTensorAreRefused() throws IOException {
        Path file = writeValid();
        Files.write(file, new byte[] {0, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        assertInvalid(() -> SafetensorsFile.open(file), file, "4 trailing bytes");
    }

    @Test
    void aHoleBetweenTensorsIsRefused() throws IOException {
        Path file = writeRaw("""
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                 "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", f32(1f, 2f, 3f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "a hole of 4 bytes", "'a'", "'b'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]} /* comment */}",
        "{w:{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        "{'w':{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} {}",
    })
    void lenientJsonIsRefused(String json) throws IOException {
        Path file = writeRaw(json, f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "header");
    }

    @Test
    void duplicateTensorNamesAreRefused() throws IOException {
        Path file = writeRaw("""
                {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                 "w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", f32(1f, 2f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "the name 'w' twice");
    }

    @Test
    void invalidUtf8InTheHeaderIsRefused() throws IOException {
        byte[] header = paddedHeader("{\"w\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        for (int i = 0; i < header.length; i++) {
            if (header[i] == (byte) 0xC3) {
                header[i + 1] = (byte) 0x28;
            }
        }
        Path file = writeRaw(dir.resolve("model.safetensors"), header, f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "not valid UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"18446744073709551620", "18446744073709551616", "9223372036854775808"})
    void integersBeyondLongDoNotWrap(String big) throws IOException {
        // 2^64 + 4 would wrap to 4 in a reader that takes the low 64 bits
        Path file = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0," + big + "]}}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(file), file, "'w'", "'data_offsets[1]' is " + big);
    }

    @Test
    void unknownEntryKeysAndNonStringMetadataAreRefused() throws IOException {
        Path extra = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"scale\":2}}", f32(1f));
        assertInvalid(() -> SafetensorsFile.open(extra), extra, "'w'", "unknown key 'scale'");
        Path metadata = writeRaw("{\"__metadata__\":{\"n\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                f32(1f));
        assertInvalid(() -> SafetensorsFile.open(metadata), metadata, "'__metadata__.n' must be a string");
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteWeightsAreReportedNamingTheTensor(float bad) throws IOException {
        Path file = writeRaw("{\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}", f32(1f, 1f, bad, 2f));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.readFloats(st.info("ok"))).containsExactly(1f);
            assertInvalid(() -> st.readFloats(st.info("w")), file, "tensor 'w'", "at element 1", "must be finite");
            assertInvalid(() -> st.float32(st.info("w")), file, "tensor 'w'");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7FC0, 0x7F80, 0xFF80})
    void nonFiniteHalfWeightsAreReported(int bits) throws IOException {
        Path bf16 = writeRaw("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", u16(0x3F80, bits));
        try (SafetensorsFile st = SafetensorsFile.open(bf16)) {
            assertInvalid(() -> st.readFloats(st.info("w")), bf16, "tensor 'w'", "at element 1");
        }
        int f16 = bits == 0x7FC0 ? 0x7E00 : bits == 0x7F80 ? 0x7C00 : 0xFC00;
        Path half = writeRaw("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", u16(f16, 0x3C00));
        try (SafetensorsFile st = SafetensorsFile.open(half)) {
            assertInvalid(() -> st.readFloats(st.info("w")), half, "tensor 'w'", "at element 0");
        }
    }
}
