package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import org.junit.jupiter.api.Test;

class DTypeTest {
    private static float bf16(int bits) {
        return DType.bf16ToFloat((short) bits);
    }

    private static float f16(int bits) {
        return DType.f16ToFloat((short) bits);
    }

    private static int toBf16(int floatBits) {
        return DType.floatToBf16(Float.intBitsToFloat(floatBits)) & 0xffff;
    }

    @Test
    void bytesPerElement() {
        assertThat(DType.F32.bytes()).isEqualTo(4);
        assertThat(DType.BF16.bytes()).isEqualTo(2);
        assertThat(DType.F16.bytes()).isEqualTo(2);
    }

    @Test
    void bf16WidensBitExactly() {
        assertThat(bf16(0x3F80)).isEqualTo(1.0f);
        assertThat(bf16(0xC040)).isEqualTo(-3.0f);
        // 0x4049 -> 0x40490000 = 2 * (1 + 0x49/128) = 2 * 1.5703125
        assertThat(bf16(0x4049)).isEqualTo(3.140625f);
        assertThat(bf16(0x3F00)).isEqualTo(0.5f);
        assertThat(bf16(0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(bf16(0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(bf16(0x8000))).isEqualTo(0x80000000);
        assertThat(Float.isNaN(bf16(0x7FC0))).isTrue();
        // the smallest bf16 subnormal is float bits 0x00010000 = 2^16 * 2^-149 = 2^-133
        assertThat(bf16(0x0001)).isEqualTo(Math.scalb(1.0f, -133));
    }

    @Test
    void f16WidensExactly() {
        assertThat(f16(0x3C00)).isEqualTo(1.0f);
        assertThat(f16(0xC000)).isEqualTo(-2.0f);
        assertThat(f16(0x3800)).isEqualTo(0.5f);
        // largest finite half: 2^15 * (1 + 1023/1024)
        assertThat(f16(0x7BFF)).isEqualTo(65504.0f);
        // exponent 13 -> 2^-2, mantissa 0x155 = 341: (1 + 341/1024) / 4 = 1365/4096
        assertThat(f16(0x3555)).isEqualTo(1365.0f / 4096.0f);
        // subnormals: mantissa * 2^-24
        assertThat(f16(0x0001)).isEqualTo(Math.scalb(1.0f, -24));
        assertThat(f16(0x03FF)).isEqualTo(1023 * Math.scalb(1.0f, -24));
        assertThat(f16(0x8001)).isEqualTo(-Math.scalb(1.0f, -24));
        // smallest normal
        assertThat(f16(0x0400)).isEqualTo(Math.scalb(1.0f, -14));
        assertThat(f16(0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(f16(0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.isNaN(f16(0x7E00))).isTrue();
        assertThat(Float.floatToRawIntBits(f16(0x0000))).isEqualTo(0);
        assertThat(Float.floatToRawIntBits(f16(0x8000))).isEqualTo(0x80000000);
    }

    @Test
    void floatToBf16ExactValues() {
        assertThat(toBf16(Float.floatToRawIntBits(1.0f))).isEqualTo(0x3F80);
        assertThat(toBf16(Float.floatToRawIntBits(-3.0f))).isEqualTo(0xC040);
        assertThat(toBf16(0x7F800000)).isEqualTo(0x7F80);
        assertThat(toBf16(0xFF800000)).isEqualTo(0xFF80);
        assertThat(toBf16(0x80000000)).isEqualTo(0x8000);
    }

    @Test
    void floatToBf16RoundsToNearestEven() {
        // below half of the dropped 16 bits: truncate
        assertThat(toBf16(0x3F807FFF)).isEqualTo(0x3F80);
        // above half: round up
        assertThat(toBf16(0x3F808001)).isEqualTo(0x3F81);
        assertThat(toBf16(0x3F80FFFF)).isEqualTo(0x3F81);
        // exactly half, kept bits even (0x3F80): stay
        assertThat(toBf16(0x3F808000)).isEqualTo(0x3F80);
        // exactly half, kept bits odd (0x3F81): round up to even 0x3F82
        assertThat(toBf16(0x3F818000)).isEqualTo(0x3F82);
        // the same on the negative side (magnitude rounding)
        assertThat(toBf16(0xBF808000)).isEqualTo(0xBF80);
        assertThat(toBf16(0xBF818000)).isEqualTo(0xBF82);
        // a carry into the exponent: 0x3FFF8000 is half-way, 0x3FFF odd -> 0x4000 = 2.0
        assertThat(toBf16(0x3FFF8000)).isEqualTo(0x4000);
        // Float.MAX_VALUE rounds to +infinity, as in PyTorch
        assertThat(toBf16(0x7F7FFFFF)).isEqualTo(0x7F80);
    }

    @Test
    void floatToBf16KeepsNaNsNaN() {
        // a NaN whose payload is only in the low 16 bits must not truncate to infinity
        int narrowed = toBf16(0x7F800001);
        assertThat(Float.isNaN(DType.bf16ToFloat((short) narrowed))).isTrue();
        assertThat(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN)))).isTrue();
        assertThat(Float.isNaN(DType.bf16ToFloat((short) toBf16(0xFF800001)))).isTrue();
    }

    @Test
    void parseKnownDtypes() {
        assertThat(DType.parse("F32", "x")).isEqualTo(DType.F32);
        assertThat(DType.parse("BF16", "x")).isEqualTo(DType.BF16);
        assertThat(DType.parse("F16", "x")).isEqualTo(DType.F16);
    }

    @Test
    void parseUnknownDtypeListsAllowed() {
        assertThatThrownBy(() -> DType.parse("I64", "model.safetensors: tensor 'w'"))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CHECKPOINT))
                .hasMessageContaining("model.safetensors: tensor 'w'")
                .hasMessageContaining("'I64'")
                .hasMessageContaining("F32, BF16, F16");
        // case matters: the header spells dtypes in upper case
        assertThatThrownBy(() -> DType.parse("f32", "here")).isInstanceOf(Interp4jException.class);
    }

    @Test
    void torchNames() {
        assertThat(DType.fromTorchName("float32", "x")).isEqualTo(DType.F32);
        assertThat(DType.fromTorchName("bf16", "x")).isEqualTo(DType.BF16);
        assertThat(DType.fromTorchName("float16", "x")).isEqualTo(DType.F16);
        assertThat(DType.BF16.torchName()).isEqualTo("bfloat16");
        assertThatThrownBy(() -> DType.fromTorchName("int8", "--dtype"))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("--dtype")
                .hasMessageContaining("'int8'")
                .hasMessageContaining("float32, bfloat16, float16");
    }
}
