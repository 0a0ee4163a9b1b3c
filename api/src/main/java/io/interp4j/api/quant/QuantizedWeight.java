package io.interp4j.api.quant;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;

/**
 * One quantised {@code [out, in]} weight: its codes and per-block scales, and the exact float32
 * values they stand for ({@link #dequantize()}), which every engine computes with.
 *
 * <p>NF4 (bitsandbytes): the weight is read row-major as one flat array and cut into blocks of 64;
 * each block stores its absmax, and each value the index of the nearest of the 16 NF4 levels to
 * {@code value / absmax}, two per byte, the first in the high nibble. int8 (ONNX Runtime
 * MatMulNBits, 8 bits): each row is cut into blocks of 64 inputs; each block stores {@code scale =
 * absmax / 127}, and each value {@code round(value / scale) + 128} as an unsigned byte (the default
 * zero point 128).
 *
 * @param scheme INT8 or NF4
 * @param rows the output dimension N
 * @param columns the input dimension K
 * @param codes the packed codes
 * @param scales one per block
 * @since 0.1
 */
@Internal
public record QuantizedWeight(Quantization scheme, int rows, int columns, byte[] codes, float[] scales) {
    /** Block size of NF4. */
    public static final int NF4_BLOCK = 64;
    /** Block size of int8. */
    public static final int INT8_BLOCK = 64;

    /** bitsandbytes' NF4 levels (the quantiles of a normal distribution scaled to [-1, 1]). */
    private static final float[] NF4_LEVELS = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f
    };

    /** Checks the sizes. */
    public QuantizedWeight {
        requireNonNull(scheme, "scheme is null");
        requireNonNull(codes, "codes is null");
        requireNonNull(scales, "scales is null");
        if (scheme == Quantization.NONE) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a quantised weight needs INT8 or NF4");
        }
    }

    /**
     * Returns the NF4 level of a code.
     *
     * @param code 0..15
     * @return the level in [-1, 1]
     */
    public static float nf4Level(int code) {
        return NF4_LEVELS[code];
    }

    /**
     * Quantises a weight.
     *
     * @param scheme INT8 or NF4
     * @param weight the weight, row-major {@code [rows, columns]}
     * @param rows N
     * @param columns K
     * @return the quantised weight
     */
    public static QuantizedWeight quantize(Quantization scheme, float[] weight, int rows, int columns) {
        if ((long) rows * columns != weight.length) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "weight has " + weight.length + " values, not " + rows + " × " + columns);
        }
        return switch (scheme) {
            case NF4 -> nf4(weight, rows, columns);
            case INT8 -> int8(weight, rows, columns);
            case NONE -> throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "nothing to quantise for NONE");
        };
    }

    private static QuantizedWeight nf4(float[] w, int rows, int columns) {
        int blocks = (w.length + NF4_BLOCK - 1) / NF4_BLOCK;
        float[] absmax = new float[blocks];
        byte[] codes = new byte[(w.length + 1) / 2];
        for (int b = 0; b < blocks; b++) {
            int from = b * NF4_BLOCK;
            int to = Math.min(w.length, from + NF4_BLOCK);
            float max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(w[i]));
            }
            absmax[b] = max;
            float inverse = max == 0 ? 0 : 1 / max;
            for (int i = from; i < to; i++) {
                int code = nearestNf4(w[i] * inverse);
                codes[i / 2] |= (byte) ((i % 2 == 0) ? code << 4 : code);
            }
        }
        return new QuantizedWeight(Quantization.NF4, rows, columns, codes, absmax);
    }

    /** The nearest level; ties go to the lower code (bitsandbytes' thresholds are the midpoints). */
    private static int nearestNf4(float x) {
        int best = 0;
        for (int c = 1; c < 16; c++) {
            if (Math.abs(x - NF4_LEVELS[c]) < Math.abs(x - NF4_LEVELS[best])) {
                best = c;
            }
        }
        return best;
    }

    private static QuantizedWeight int8(float[] w, int rows, int columns) {
        int blocksPerRow = (columns + INT8_BLOCK - 1) / INT8_BLOCK;
        float[] scales = new float[rows * blocksPerRow];
        byte[] codes = new byte[rows * blocksPerRow * INT8_BLOCK];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocksPerRow; b++) {
                int from = b * INT8_BLOCK;
                int to = Math.min(columns, from + INT8_BLOCK);
                float max = 0;
                for (int c = from; c < to; c++) {
                    max = Math.max(max, Math.abs(w[r * columns + c]));
                }
                float scale = max / 127f;
                scales[r * blocksPerRow + b] = scale;
                for (int c = from; c < INT8_BLOCK * (b + 1); c++) {
                    int q = c < to && scale != 0 ? Math.round(w[r * columns + c] / scale) : 0;
                    codes[(r * blocksPerRow + b) * INT8_BLOCK + (c - from)] = (byte) (Math.max(-127, Math.min(127, q)) + 128);
                }
            }
        }
        return new QuantizedWeight(Quantization.INT8, rows, columns, codes, scales);
    }

    /**
     * Returns the float32 values the codes stand for, row-major {@code [rows, columns]}: NF4 {@code
     * level(code) × absmax}, int8 {@code (code − 128) × scale}, each product in float32 as the kernels
     * compute it.
     *
     * @return the dequantised weight
     */
    public float[] dequantize() {
        float[] w = new float[rows * columns];
        if (scheme == Quantization.NF4) {
            for (int i = 0; i < w.length; i++) {
                int code = (i % 2 == 0) ? (codes[i / 2] >> 4) & 0xF : codes[i / 2] & 0xF;
                w[i] = NF4_LEVELS[code] * scales[i / NF4_BLOCK];
            }
        } else {
            int blocksPerRow = (columns + INT8_BLOCK - 1) / INT8_BLOCK;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    int b = c / INT8_BLOCK;
                    int code = codes[(r * blocksPerRow + b) * INT8_BLOCK + (c % INT8_BLOCK)] & 0xFF;
                    w[r * columns + c] = (code - 128) * scales[r * blocksPerRow + b];
                }
            }
        }
        return w;
    }

    /**
     * Returns the reconstruction error against the original weight.
     *
     * @param original the float32 weight
     * @return {@code {max abs error, RMS error, RMS of the weight}}
     */
    public double[] error(float[] original) {
        float[] restored = dequantize();
        double max = 0;
        double sumSquares = 0;
        double weightSquares = 0;
        for (int i = 0; i < original.length; i++) {
            double e = (double) restored[i] - original[i];
            max = Math.max(max, Math.abs(e));
            sumSquares += e * e;
            weightSquares += (double) original[i] * original[i];
        }
        return new double[] {max, Math.sqrt(sumSquares / original.length), Math.sqrt(weightSquares / original.length)};
    }
}
