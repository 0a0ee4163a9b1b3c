package io.interp4j.api.checkpoint;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors storage types interp4j reads. All are widened to float32 for compute; bfloat16 is
 * widened bit-exactly in Java ({@code bits << 16}).
 *
 * @since 0.1
 */
@Stable
public enum DType {
    /** IEEE 754 single precision. */
    F32(4),
    /** bfloat16: the top 16 bits of a float32. */
    BF16(2),
    /** IEEE 754 half precision. */
    F16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /**
     * Returns the size of one element in bytes.
     *
     * @return bytes per element
     */
    public int bytes() {
        return bytes;
    }

    /**
     * Parses a safetensors dtype string.
     *
     * @param text the dtype as written in the header, e.g. {@code "BF16"}
     * @param where the file and tensor, for the error message
     * @return the dtype
     * @throws Interp4jException if the dtype is not one interp4j reads
     */
    public static DType parse(String text, String where) {
        for (DType type : values()) {
            if (type.name().equals(text)) {
                return type;
            }
        }
        throw new Interp4jException(
                ErrorCode.INVALID_CHECKPOINT,
                where + ": unknown or unsupported dtype '" + text + "'; allowed: "
                        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }

    /**
     * Parses a dtype given as the Hugging Face / PyTorch name used in {@code config.json} and on the
     * command line ({@code float32}, {@code bfloat16}, {@code float16}).
     *
     * @param text the name
     * @param where where the name was found, for the error message
     * @return the dtype
     */
    public static DType fromTorchName(String text, String where) {
        return switch (text) {
            case "float32", "fp32" -> F32;
            case "bfloat16", "bf16" -> BF16;
            case "float16", "fp16" -> F16;
            default -> throw new Interp4jException(
                    ErrorCode.INVALID_ARGUMENT,
                    where + ": unknown dtype '" + text + "'; allowed: float32, bfloat16, float16");
        };
    }

    /**
     * Returns the Hugging Face / PyTorch name of this dtype.
     *
     * @return {@code float32}, {@code bfloat16} or {@code float16}
     */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        };
    }

    /**
     * Widens one bfloat16 value (bit-exact).
     *
     * @param bits the 16 raw bits
     * @return the float32 value
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * Widens one IEEE half-precision value (exact: every half is a float).
     *
     * @param bits the 16 raw bits
     * @return the float32 value
     */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) << 31;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        if (exponent == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /**
     * Narrows a float32 to bfloat16 with round-to-nearest-even, as PyTorch does.
     *
     * @param value the float
     * @return the 16 raw bits
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
