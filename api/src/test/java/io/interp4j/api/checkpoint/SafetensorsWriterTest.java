package io.interp4j.api.checkpoint;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static SafetensorsWriter.Entry entry(String name, DType dtype, long[] shape, float... values) {
        return new SafetensorsWriter.Entry(name, dtype, shape, () -> values.clone());
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(Path::getFileName).sorted().toList();
        }
    }

    @Test
    void roundTripsF32AndBf16() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(
                        entry("a", DType.F32, new long[] {2, 3}, 1f, -2f, 0.1f, 1e-30f, 3.4e38f, -0f),
                        // 1 + 2^-8 is half-way between bf16 1.0 and 1.0078125: ties to even gives 1.0;
                        // 1 + 3 * 2^-8 is half-way between 1.0078125 and 1.015625: ties to even gives 1.015625
                        entry("b", DType.BF16, new long[] {5}, 1f, -3f, 3.140625f, 1.00390625f, 1.01171875f),
                        entry("scalar", DType.F32, new long[] {}, 42f)),
                Map.of("format", "pt"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.tensors().keySet()).containsExactly("a", "b", "scalar");
            assertThat(st.metadata()).containsExactly(Map.entry("format", "pt"));
            TensorInfo a = st.info("a");
            assertThat(a.dtype()).isEqualTo(DType.F32);
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(st.readFloats(a)).containsExactly(1f, -2f, 0.1f, 1e-30f, 3.4e38f, -0f);
            TensorInfo b = st.info("b");
            assertThat(b.dtype()).isEqualTo(DType.BF16);
            assertThat(b.byteCount()).isEqualTo(10);
            assertThat(st.readFloats(b)).containsExactly(1f, -3f, 3.140625f, 1.0f, 1.015625f);
            assertThat(st.info("scalar").shape()).isEmpty();
            assertThat(st.readFloats(st.info("scalar"))).containsExactly(42f);
            // tensors are laid out back to back in the given order
            assertThat(a.begin()).isEqualTo(0);
            assertThat(a.end()).isEqualTo(24);
            assertThat(b.begin()).isEqualTo(24);
            assertThat(b.end()).isEqualTo(34);
            // data starts 8-aligned, so the first float32 tensor is mapped zero-copy
            assertThat(st.float32(a).isReadOnly()).isTrue();
        }
    }

    @Test
    void headerIsEightByteAlignedJson() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(entry("x", DType.F32, new long[] {3}, 1f, 2f, 3f)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLength + 12);
        String header = new String(bytes, 8, (int) headerLength, UTF_8);
        var json = JsonParser.parseString(header).getAsJsonObject();
        assertThat(json.has("__metadata__")).isFalse(); // no metadata given, none written
        assertThat(json.getAsJsonObject("x").get("dtype").getAsString()).isEqualTo("F32");
        assertThat(json.getAsJsonObject("x").getAsJsonArray("data_offsets").toString()).isEqualTo("[0,12]");
        // padding, if any, is spaces
        assertThat(header.strip()).endsWith("}");
        assertThat(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' ')).isTrue();
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + headerLength), 12).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getFloat()).isEqualTo(1f);
        assertThat(data.getFloat()).isEqualTo(2f);
        assertThat(data.getFloat()).isEqualTo(3f);
    }

    @Test
    void bf16BytesAreTheRoundedTopHalf() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(entry("x", DType.BF16, new long[] {2}, 1f, -3f)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + headerLength), bytes.length);
        // 1.0 = 0x3F80, -3.0 = 0xC040, little-endian
        assertThat(data).containsExactly(0x80, 0x3F, 0x40, 0xC0);
    }

    @Test
    void leavesNoTemporaryFileAndReplacesExisting() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(entry("x", DType.F32, new long[] {1}, 1f)), Map.of());
        SafetensorsWriter.write(file, List.of(entry("y", DType.F32, new long[] {2}, 5f, 6f)), Map.of());
        assertThat(listing()).containsExactly(Path.of("t.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.tensors().keySet()).containsExactly("y");
            assertThat(st.readFloats(st.info("y"))).containsExactly(5f, 6f);
        }
    }

    @Test
    void wrongValueCountFailsAndLeavesNothing() throws IOException {
        Path file = dir.resolve("t.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(
                        file, List.of(entry("x", DType.F32, new long[] {2, 2}, 1f, 2f, 3f)), Map.of()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("'x'")
                .hasMessageContaining("3 values")
                .hasMessageContaining("needs 4");
        assertThat(listing()).isEmpty();
    }

    @Test
    void float16IsRefusedAndLeavesNothing() throws IOException {
        Path file = dir.resolve("t.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(entry("x", DType.F16, new long[] {1}, 1f)), Map.of()))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("F32, BF16");
        assertThat(listing()).isEmpty();
    }

    @Test
    void dataIsProducedLazilyInOrder() throws IOException {
        Path file = dir.resolve("t.safetensors");
        StringBuilder calls = new StringBuilder();
        SafetensorsWriter.write(file, List.of(
                new SafetensorsWriter.Entry("first", DType.F32, new long[] {1}, () -> {
                    calls.append("1");
                    return new float[] {1f};
                }),
                new SafetensorsWriter.Entry("second", DType.F32, new long[] {1}, () -> {
                    calls.append("2");
                    return new float[] {2f};
                })), Map.of());
        assertThat(calls.toString()).isEqualTo("12");
    }
}
