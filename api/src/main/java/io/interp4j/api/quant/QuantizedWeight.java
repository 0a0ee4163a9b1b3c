package io.interp4j.api.quant;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * One quantised {@code [out, in]} weight: its codes and per-block scales, and the exact float32
 * values they stand for ({@link #dequantize()}), which every engine computes with. Quantising and
 * dequantising run over the rows (NF4: the blocks) in parallel, on the common fork-join pool: each
 * row's codes and scales depend on that row alone, so the result is the same as one thread's.
 *
 * <p>NF4 (bitsandbytes): the weight is read row-major as one flat array and cut into blocks of 64;
 * each block stores its absmax, and each value the index of the nearest of the 16 NF4 levels to
 * {@code value / absmax}, two per byte, the first in the high nibble. int8 (ONNX Runtime
 * MatMulNBits, 8 bits): each row is cut into blocks of 64 inputs; each block stores {@code scale =
 * absmax / 127}, and each value {@code round(value / scale) + 128} as an unsigned byte (the default
 * zero point 128); Q8 has the same codes. Q4 (ONNX Runtime MatMulNBits, 4 bits, with zero points):
 * each row is cut into blocks of 64 inputs; the block's range is widened to hold 0, {@code scale =
 * (max − min) / 15}, {@code zero point = round(−min / scale)} and each value {@code clamp(round(value
 * / scale) + zero point, 0, 15)}; two codes per byte, the first in the low nibble, and two zero
 * points per byte the same way, one byte row per weight row. Padding up to a whole block holds the
 * code for 0. LLM.int8 (bitsandbytes {@code int8_vectorwise_quant} of the weight): one scale per
 * output row, the row's absmax (bitsandbytes' {@code SCB}), and each value the signed byte {@code
 * round(value × (127 / absmax))} (half to even, as {@code torch.round}), row-major {@code [rows,
 * columns]}; a row of zeros has absmax 0 and codes 0.
 *
 * @param scheme INT8, NF4, Q8, Q4 or LLM_INT8
 * @param rows the output dimension N
 * @param columns the input dimension K
 * @param codes the packed codes
 * @param scales one per block (LLM_INT8: one absmax per row)
 * @param zeroPoints Q4's packed zero points, {@code rows × ceil(blocksPerRow / 2)} bytes; empty for the others
 * @since 0.1
 */
@Internal
public record QuantizedWeight(Quantization scheme, int rows, int columns, byte[] codes, float[] scales, byte[] zeroPoints) {
    /** Block size of NF4. */
    public static final int NF4_BLOCK = 64;
    /** Block size of int8 (and Q8). */
    public static final int INT8_BLOCK = 64;
    /** Block size of Q4. */
    public static final int Q4_BLOCK = 64;
    /**
     * LLM.int8's outlier threshold: bitsandbytes' {@code Linear8bitLt} default, which {@code
     * load_in_8bit=True} uses. An input column is an outlier column when some activation row reaches it
     * in magnitude.
     *
     * @since 0.5
     */
    public static final float LLM_INT8_THRESHOLD = 6.0f;
    /** The largest magnitude of an int8 code (LLM.int8 quantises to ±127). */
    public static final int INT8_MAX = 127;
    /** The largest Q4 code. */
    private static final int Q4_MAX = 15;

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
        requireNonNull(zeroPoints, "zeroPoints is null");
        if (scheme == Quantization.NONE) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a quantised weight needs INT8, NF4, Q8, Q4 or LLM_INT8");
        }
    }

    /**
     * Returns the number of blocks in each row of the row-wise layouts (INT8, Q8, Q4).
     *
     * @return {@code ceil(columns / 64)}
     * @since 0.2
     */
    public int blocksPerRow() {
        return (columns + INT8_BLOCK - 1) / INT8_BLOCK;
    }

    /**
     * Returns the INT8 or Q8 codes less their zero point 128, as signed bytes (the value a code stands
     * for is this times its block's scale).
     *
     * @return a new array, {@code codes()} in the same order
     * @throws Interp4jException for the other schemes
     * @since 0.2
     */
    public byte[] signedCodes() {
        if (scheme != Quantization.INT8 && scheme != Quantization.Q8) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "signed codes are int8's and q8's, not " + scheme.configName() + "'s");
        }
        byte[] signed = new byte[codes.length];
        for (int i = 0; i < signed.length; i++) {
            signed[i] = (byte) ((codes[i] & 0xFF) - 128);
        }
        return signed;
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
     * @param scheme INT8, NF4, Q8, Q4 or LLM_INT8
     * @param weight the weight, row-major {@code [rows, columns]}
     * @param rows N
     * @param columns K
     * @return the quantised weight
     */
    public static QuantizedWeight quantize(Quantization scheme, float[] weight, int rows, int columns) {
        return quantize(scheme, FloatBuffer.wrap(weight), rows, columns);
    }

    /**
     * Quantises a weight read from a buffer (a view of a mapped checkpoint, say), element {@code i} at
     * index {@code i}: the same codes as {@link #quantize(Quantization, float[], int, int)} of its values,
     * without a copy of them on the Java heap.
     *
     * @param scheme INT8, NF4, Q8, Q4 or LLM_INT8
     * @param weight the weight, row-major {@code [rows, columns]}, {@code rows × columns} values from index 0
     * @param rows N
     * @param columns K
     * @return the quantised weight
     * @since 0.2
     */
    public static QuantizedWeight quantize(Quantization scheme, FloatBuffer weight, int rows, int columns) {
        if ((long) rows * columns != weight.limit()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "weight has " + weight.limit() + " values, not " + rows + " × " + columns);
        }
        return switch (scheme) {
            case NF4 -> nf4(weight, rows, columns);
            case INT8, Q8 -> int8(scheme, weight, rows, columns);
            case Q4 -> q4(weight, rows, columns);
            case LLM_INT8 -> rowWise(weight, rows, columns);
            case NONE -> throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "nothing to quantise for NONE");
        };
    }

    private static QuantizedWeight nf4(FloatBuffer w, int rows, int columns) {
        int blocks = (w.limit() + NF4_BLOCK - 1) / NF4_BLOCK;
        float[] absmax = new float[blocks];
        byte[] codes = new byte[(w.limit() + 1) / 2];
        // blocks are independent (a block of 64 starts at an even index, so no byte holds two blocks' codes)
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = b * NF4_BLOCK;
            int to = Math.min(w.limit(), from + NF4_BLOCK);
            float max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(w.get(i)));
            }
            absmax[b] = max;
            float inverse = max == 0 ? 0 : 1 / max;
            for (int i = from; i < to; i++) {
                int code = nearestNf4(w.get(i) * inverse);
                codes[i / 2] |= (byte) ((i % 2 == 0) ? code << 4 : code);
            }
        });
        return new QuantizedWeight(Quantization.NF4, rows, columns, codes, absmax, new byte[0]);
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

    private static QuantizedWeight int8(Quantization scheme, FloatBuffer w, int rows, int columns) {
        int blocksPerRow = (columns + INT8_BLOCK - 1) / INT8_BLOCK;
        float[] scales = new float[rows * blocksPerRow];
        byte[] codes = new byte[rows * blocksPerRow * INT8_BLOCK];
        IntStream.range(0, rows).parallel().forEach(r -> {
            for (int b = 0; b < blocksPerRow; b++) {
                int from = b * INT8_BLOCK;
                int to = Math.min(columns, from + INT8_BLOCK);
                float max = 0;
                for (int c = from; c < to; c++) {
                    max = Math.max(max, Math.abs(w.get(r * columns + c)));
                }
                float scale = max / 127f;
                scales[r * blocksPerRow + b] = scale;
                for (int c = from; c < INT8_BLOCK * (b + 1); c++) {
                    int q = c < to && scale != 0 ? Math.round(w.get(r * columns + c) / scale) : 0;
                    codes[(r * blocksPerRow + b) * INT8_BLOCK + (c - from)] = (byte) (Math.max(-127, Math.min(127, q)) + 128);
                }
            }
        });
        return new QuantizedWeight(scheme, rows, columns, codes, scales, new byte[0]);
    }

    private static QuantizedWeight rowWise(FloatBuffer w, int rows, int columns) {
        float[] absmax = new float[rows];
        byte[] codes = new byte[rows * columns];
        IntStream.range(0, rows).parallel().forEach(r -> {
            float max = 0;
            for (int c = 0; c < columns; c++) {
                max = Math.max(max, Math.abs(w.get(r * columns + c)));
            }
            absmax[r] = max;
            if (max == 0) {
                return;
            }
            // bitsandbytes: round(W * (127 / absmax)), the factor in the weight's precision, half to even
            float factor = INT8_MAX / max;
            for (int c = 0; c < columns; c++) {
                codes[r * columns + c] = (byte) Math.rint(w.get(r * columns + c) * factor);
            }
        });
        return new QuantizedWeight(Quantization.LLM_INT8, rows, columns, codes, absmax, new byte[0]);
    }

    private static QuantizedWeight q4(FloatBuffer w, int rows, int columns) {
        int blocksPerRow = (columns + Q4_BLOCK - 1) / Q4_BLOCK;
        int zeroPointBytes = (blocksPerRow + 1) / 2;
        float[] scales = new float[rows * blocksPerRow];
        byte[] codes = new byte[rows * blocksPerRow * Q4_BLOCK / 2];
        byte[] zeroPoints = new byte[rows * zeroPointBytes];
        // rows are independent: each has its own bytes of codes (whole blocks of 64) and of zero points
        IntStream.range(0, rows).parallel().forEach(r -> {
            for (int b = 0; b < blocksPerRow; b++) {
                int from = b * Q4_BLOCK;
                int to = Math.min(columns, from + Q4_BLOCK);
                float min = 0;
                float max = 0;
                for (int c = from; c < to; c++) {
                    min = Math.min(min, w.get(r * columns + c));
                    max = Math.max(max, w.get(r * columns + c));
                }
                float scale = (max - min) / Q4_MAX;
                int zero = scale == 0 ? 0 : Math.max(0, Math.min(Q4_MAX, Math.round(-min / scale)));
                int block = r * blocksPerRow + b;
                scales[block] = scale;
                zeroPoints[r * zeroPointBytes + b / 2] |= (byte) (b % 2 == 0 ? zero : zero << 4);
                for (int c = from; c < from + Q4_BLOCK; c++) {
                    int q = c < to && scale != 0 ? Math.round(w.get(r * columns + c) / scale) + zero : zero;
                    int code = Math.max(0, Math.min(Q4_MAX, q));
                    int index = block * Q4_BLOCK + (c - from);
                    codes[index / 2] |= (byte) (index % 2 == 0 ? code : code << 4);
                }
            }
        });
        return new QuantizedWeight(Quantization.Q4, rows, columns, codes, scales, zeroPoints);
    }

    /**
     * Returns the float32 values the codes stand for, row-major {@code [rows, columns]}: NF4 {@code
     * level(code) × absmax}, int8 and Q8 {@code (code − 128) × scale}, Q4 {@code (code − zero point) ×
     * scale}, LLM_INT8 {@code code × (absmax × (1/127))} (bitsandbytes' {@code int8_vectorwise_dequant}),
     * each product in float32 as the kernels compute it.
     *
     * @return the dequantised weight
     */
    public float[] dequantize() {
        return dequantize(0, rows);
    }

    /**
     * Returns the float32 values of some rows, exactly {@link #dequantize()}'s values there: for reading a
     * large weight a few rows at a time.
     *
     * @param fromRow the first row
     * @param toRow one past the last row
     * @return the rows' values, row-major {@code [toRow − fromRow, columns]}
     * @since 0.2
     */
    public float[] dequantize(int fromRow, int toRow) {
        if (fromRow < 0 || fromRow > toRow || toRow > rows) {
            throw new IndexOutOfBoundsException("rows " + fromRow + ".." + toRow + " of " + rows);
        }
        int offset = fromRow * columns;
        float[] w = new float[(toRow - fromRow) * columns];
        if (scheme == Quantization.NF4) {
            IntStream.range(0, w.length).parallel().forEach(j -> {
                int i = offset + j;
                int code = (i % 2 == 0) ? (codes[i / 2] >> 4) & 0xF : codes[i / 2] & 0xF;
                w[j] = NF4_LEVELS[code] * scales[i / NF4_BLOCK];
            });
        } else if (scheme == Quantization.LLM_INT8) {
            IntStream.range(fromRow, toRow).parallel().forEach(r -> {
                float step = scales[r] * (1f / INT8_MAX);
                for (int c = 0; c < columns; c++) {
                    w[r * columns + c - offset] = codes[r * columns + c] * step;
                }
            });
        } else if (scheme == Quantization.Q4) {
            int blocksPerRow = blocksPerRow();
            int zeroPointBytes = (blocksPerRow + 1) / 2;
            IntStream.range(fromRow, toRow).parallel().forEach(r -> {
                for (int c = 0; c < columns; c++) {
                    int b = c / Q4_BLOCK;
                    int index = (r * blocksPerRow + b) * Q4_BLOCK + (c % Q4_BLOCK);
                    int code = index % 2 == 0 ? codes[index / 2] & 0xF : (codes[index / 2] >> 4) & 0xF;
                    int packed = zeroPoints[r * zeroPointBytes + b / 2];
                    int zero = b % 2 == 0 ? packed & 0xF : (packed >> 4) & 0xF;
                    w[r * columns + c - offset] = (code - zero) * scales[r * blocksPerRow + b];
                }
            });
        } else {
            int blocksPerRow = blocksPerRow();
            IntStream.range(fromRow, toRow).parallel().forEach(r -> {
                for (int c = 0; c < columns; c++) {
                    int b = c / INT8_BLOCK;
                    int code = codes[(r * blocksPerRow + b) * INT8_BLOCK + (c % INT8_BLOCK)] & 0xFF;
                    w[r * columns + c - offset] = (code - 128) * scales[r * blocksPerRow + b];
                }
            });
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
        return error(FloatBuffer.wrap(original));
    }

    /**
     * Returns the reconstruction error against the original weight read from a buffer, element {@code i}
     * at index {@code i}.
     *
     * @param original the float32 weight
     * @return {@code {max abs error, RMS error, RMS of the weight}}
     * @since 0.2
     */
    public double[] error(FloatBuffer original) {
        double max = 0;
        double sumSquares = 0;
        double weightSquares = 0;
        // a few rows at a time: a whole restored copy of a large weight is as large as the weight
        int step = Math.max(1, (1 << 20) / Math.max(1, columns));
        for (int from = 0; from < rows; from += step) {
            int to = Math.min(rows, from + step);
            float[] restored = dequantize(from, to);
            int offset = from * columns;
            for (int j = 0; j < restored.length; j++) {
                double value = original.get(offset + j);
                double e = (double) restored[j] - value;
                max = Math.max(max, Math.abs(e));
                sumSquares += e * e;
                weightSquares += value * value;
            }
        }
        int n = original.limit();
        return new double[] {max, Math.sqrt(sumSquares / n), Math.sqrt(weightSquares / n)};
    }
}
