package io.interp4j.engine.djl;

import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@code q8} / {@code q4} product {@code y = x·Wᵀ} on the quantised blocks themselves, in Java
 * with the (incubating) Vector API: each input row is quantised to int8 per block of {@value #BLOCK}
 * inputs ({@link #quantise}), multiplied with the weight's int8 or 4-bit codes as integers, and each
 * block's integer sum is scaled by the weight block's scale times the input block's. That is what
 * ONNX Runtime's {@code MatMulNBits} computes at accuracy level 4, and what llama.cpp's and Jlama's
 * quantised products compute; written here because PyTorch's CPU products take float32 only (a
 * dequantised product reads four bytes a weight; these kernels read one, or half of one).
 *
 * <p>Its numbers are those of {@link BlockProducts#quantise} followed by a float32 product with the
 * dequantised weights, up to the order of float32 sums: the input codes are the same (the same
 * float32 operations), and each block's sum of code products is exact in int32.
 *
 * <p>Written with the machine's preferred vector width: 512-bit vectors on AVX-512 (a block's 64
 * int8 codes in one load), 256-bit on AVX2, 128-bit on NEON.
 */
final class BlockKernel {
    /** Inputs per block, weights' and activations' alike (q8's and q4's blocks are the same size). */
    static final int BLOCK = QuantizedWeight.INT8_BLOCK;
    /** The largest activation code. */
    static final float INT8_MAX = QuantizedWeight.INT8_MAX;

    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    /** Bytes that widen to one vector of shorts. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(SHORTS.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Shorts per vector: 32 with 512-bit vectors. */
    private static final int S = SHORTS.length();
    /** Runs of {@code 2·S} inputs in a block of 64: 1 with 512-bit vectors, 2 with 256-bit, 4 with 128-bit. */
    private static final int RUNS = BLOCK / (2 * S);
    /**
     * Output rows one pass of the kernels reads at once, each from its own part of the weight: four
     * where a block is one run, two where it is two (q8 only; each pass holds four runs' products, see
     * {@link #rows}), else one.
     */
    private static final int STREAMS = RUNS == 1 ? 4 : RUNS == 2 ? 2 : 1;

    static {
        if (QuantizedWeight.Q4_BLOCK != BLOCK || BLOCK % (2 * S) != 0 || INTS.length() * 2 != S || FLOATS.length() != INTS.length()) {
            throw new IllegalStateException("unsupported blocks (q8 " + BLOCK + ", q4 " + QuantizedWeight.Q4_BLOCK + ") or vector shapes: " + SHORTS + ", " + INTS + ", " + FLOATS);
        }
    }

    private BlockKernel() {}

    /**
     * One weight in the kernels' layout: {@code q8} codes as signed bytes (the stored code − 128),
     * {@code q4} codes as stored (two per byte, low nibble first) with one zero point a block.
     *
     * @param q4 whether the codes are 4-bit
     * @param rows output rows (N)
     * @param columns inputs (K)
     * @param blocks blocks per row, {@code ceil(columns / 64)}
     * @param codes q8: {@code rows × blocks × 64} bytes; q4: half as many
     * @param scales {@code rows × blocks}
     * @param zeroPoints q4: {@code rows × blocks}, 0..15; q8: empty
     */
    record Weight(boolean q4, int rows, int columns, int blocks, byte[] codes, float[] scales, byte[] zeroPoints) {
        /** The kernels' layout of a {@code q8} or {@code q4} weight. */
        static Weight of(QuantizedWeight w) {
            int blocks = w.blocksPerRow();
            if (w.scheme() == Quantization.Q8) {
                return new Weight(false, w.rows(), w.columns(), blocks, w.signedCodes(), w.scales(), new byte[0]);
            }
            if (w.scheme() != Quantization.Q4) {
                throw new IllegalArgumentException("the block kernels take q8 and q4 weights, not " + w.scheme().configName());
            }
            int packedPerRow = (blocks + 1) / 2;
            byte[] zeroPoints = new byte[w.rows() * blocks];
            for (int r = 0; r < w.rows(); r++) {
                for (int b = 0; b < blocks; b++) {
                    int packed = w.zeroPoints()[r * packedPerRow + b / 2];
                    zeroPoints[r * blocks + b] = (byte) (b % 2 == 0 ? packed & 0xF : (packed >> 4) & 0xF);
                }
            }
            return new Weight(true, w.rows(), w.columns(), blocks, w.codes(), w.scales(), zeroPoints);
        }

        /** Several weights of the same inputs stacked along the output axis, as fused projections are. */
        static Weight stacked(List<Weight> parts) {
            Weight first = parts.get(0);
            int rows = 0;
            int codeBytes = 0;
            for (Weight p : parts) {
                if (p.q4 != first.q4 || p.columns != first.columns) {
                    throw new IllegalArgumentException("stacked weights differ in scheme or inputs");
                }
                rows += p.rows;
                codeBytes += p.codes.length;
            }
            byte[] codes = new byte[codeBytes];
            float[] scales = new float[rows * first.blocks];
            byte[] zeroPoints = new byte[first.q4 ? rows * first.blocks : 0];
            int c = 0;
            int s = 0;
            for (Weight p : parts) {
                System.arraycopy(p.codes, 0, codes, c, p.codes.length);
                System.arraycopy(p.scales, 0, scales, s, p.scales.length);
                if (first.q4) {
                    System.arraycopy(p.zeroPoints, 0, zeroPoints, s, p.zeroPoints.length);
                }
                c += p.codes.length;
                s += p.scales.length;
            }
            return new Weight(first.q4, rows, first.columns, first.blocks, codes, scales, zeroPoints);
        }

        private int codeBytesPerRow() {
            return q4 ? blocks * BLOCK / 2 : blocks * BLOCK;
        }
    }

    /**
     * One input row quantised per block: {@code scale = max(absmax, MIN_NORMAL) / 127} and {@code code =
     * clamp(rint(x / scale), −127, 127)} (half to even, as PyTorch's {@code round}); padding past the
     * last input holds code 0.
     *
     * @param codes the codes, {@code blocks × 64}, in the order the weight's kernel reads them
     * @param scales one per block
     * @param sums each block's sum of codes (for q4's zero points)
     */
    record Input(short[] codes, float[] scales, int[] sums) {}

    /**
     * Quantises one row of inputs as {@link BlockProducts#quantise} does.
     *
     * @param x the inputs
     * @param from the row's first input in {@code x}
     * @param columns inputs in the row
     * @param blocks blocks per row
     * @param q4 whether the codes are laid out for the 4-bit kernel: within each run of {@code 2·S} inputs,
     *     the even inputs, then the odd ones, as a run of {@code S} packed bytes' low and high nibbles hold them
     * @return the row's codes, scales and sums
     */
    static Input quantise(float[] x, int from, int columns, int blocks, boolean q4) {
        short[] codes = new short[blocks * BLOCK];
        float[] scales = new float[blocks];
        int[] sums = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            int start = b * BLOCK;
            int end = Math.min(columns, start + BLOCK);
            float absmax = 0;
            for (int c = start; c < end; c++) {
                absmax = Math.max(absmax, Math.abs(x[from + c]));
            }
            float scale = Math.max(absmax, Float.MIN_NORMAL) / INT8_MAX;
            scales[b] = scale;
            int sum = 0;
            for (int c = start; c < end; c++) {
                int code = (int) Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.rint(x[from + c] / scale)));
                sum += code;
                int at = c;
                if (q4) {
                    int run = (c - start) / (2 * S);
                    int within = (c - start) % (2 * S);
                    at = start + run * 2 * S + (within % 2 == 0 ? within / 2 : S + within / 2);
                }
                codes[at] = (short) code;
            }
            sums[b] = sum;
        }
        return new Input(codes, scales, sums);
    }

    private static boolean warm;

    /**
     * Has the JIT compile the kernels before a model's first product: until it does, the Vector API
     * runs interpreted, boxed and about a hundred times slower, and the first tokens of a decode took
     * seconds. Runs each kernel over a small made-up weight until its call counts pass the compiler's
     * thresholds: 64 rows for the streamed kernels, fewer rows than streams for the one-row kernels
     * (which take the rows that do not fill every stream); once per JVM.
     */
    static synchronized void warmUp() {
        if (warm) {
            return;
        }
        int alone = Math.max(1, STREAMS - 1);
        for (Quantization scheme : List.of(Quantization.Q8, Quantization.Q4)) {
            warmUp(scheme, 64, 400);
            warmUp(scheme, alone, 4500 / alone);
        }
        warm = true;
    }

    private static void warmUp(Quantization scheme, int rows, int products) {
        int columns = 3 * BLOCK;
        float[] values = new float[rows * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 37 % 101 - 50) / 50f;
        }
        float[] x = java.util.Arrays.copyOf(values, columns);
        Weight w = Weight.of(QuantizedWeight.quantize(scheme, values, rows, columns));
        for (int i = 0; i < products; i++) {
            multiply(w, x, 1, null, null, 1);
        }
    }

    /**
     * {@code out[m, n] = Σ_k x[m, k]·W[n, k] + bias[n]}, the rows of {@code W} split over the pool's
     * threads and the calling one.
     *
     * @param w the weight
     * @param x {@code [m, w.columns]} row-major
     * @param m input rows
     * @param bias {@code [w.rows]} or null
     * @param pool the other threads ({@code threads − 1} of them), or null for the calling thread alone
     * @param threads how many parts to split the rows into
     * @return {@code [m, w.rows]} row-major
     */
    static float[] multiply(Weight w, float[] x, int m, float[] bias, ExecutorService pool, int threads) {
        Input[] inputs = new Input[m];
        for (int r = 0; r < m; r++) {
            inputs[r] = quantise(x, r * w.columns, w.columns, w.blocks, w.q4);
        }
        float[] out = new float[m * w.rows];
        int parts = pool == null ? 1 : Math.max(1, Math.min(threads, w.rows / 16));
        List<Future<?>> others = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) w.rows * p / parts);
            int to = (int) ((long) w.rows * (p + 1) / parts);
            others.add(pool.submit(() -> rows(w, inputs, bias, out, from, to)));
        }
        rows(w, inputs, bias, out, 0, (int) ((long) w.rows / parts));
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in a block product", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a block product failed: " + e.getCause(), e.getCause());
            }
        }
        return out;
    }

    /**
     * Output rows {@code from..to} of every input row. The rows go several at a time, each from its own
     * part of the range (the last few rows alone): streams of weight codes far apart in memory keep more
     * loads in flight than one, and the loads bound a product of one input row. q8 on the 0.5B preset's
     * decode shapes, one thread, weights in memory: four streams with 512-bit vectors, 10.0-10.6 GMAC/s
     * against 6.2-8.7 reading one row at a time; two streams with 256-bit vectors, 6.3-8.4 against
     * 4.4-5.5. Each output is the same float either way: every row has its own accumulators, summed in
     * the same order. A pass holds four runs' products, four rows of one run or two rows of two: more
     * hold more than C2 inlines (see below; four q4 rows that looped over a block's runs did, on Java
     * 17), and so did two q4 rows of two runs, whose nibble unpacking is larger (Java 17 and 25). So q4
     * with 256-bit vectors, and 128-bit vectors (four runs a block), read one row at a time.
     */
    private static void rows(Weight w, Input[] inputs, float[] bias, float[] out, int from, int to) {
        int streams = STREAMS == 2 && w.q4 ? 1 : STREAMS;
        int part = streams == 1 ? 0 : (to - from) / streams;
        for (int r = 0; r < inputs.length; r++) {
            Input x = inputs[r];
            int at = r * w.rows;
            for (int n = from; n < from + part; n++) {
                if (streams == 2) {
                    pairQ8(w, n, part, x, out, at);
                } else if (w.q4) {
                    dotsQ4(w, n, part, x, out, at);
                } else {
                    dotsQ8(w, n, part, x, out, at);
                }
            }
            for (int n = from + streams * part; n < to; n++) {
                out[at + n] = w.q4 ? dotQ4(w, n, x) : dotQ8(w, n, x);
            }
            if (bias != null) {
                for (int n = from; n < to; n++) {
                    out[at + n] += bias[n];
                }
            }
        }
    }

    /*
     * The kernels below keep C2 inlining every vector operation: an operation left as a call boxes its
     * vectors, and the kernel runs some twenty times slower. C2 stops inlining ordinary methods once a
     * compilation holds about 18,000 nodes (NodeCountInliningCutoff, fixed in product JVMs), while the
     * Vector API's own methods are always inlined. So the streamed kernels call the helpers (q8Run,
     * q4Run: Vector API operations only) first, and write the scaling out rather than call a helper.
     */

    /** One q8 row: per block, its runs' integer sums, times the weight block's scale and the input block's. */
    private static float dotQ8(Weight w, int row, Input x) {
        int base = row * w.codeBytesPerRow();
        FloatVector acc = FloatVector.zero(FLOATS);
        for (int b = 0; b < w.blocks; b++) {
            int block = b * BLOCK;
            IntVector sum = IntVector.zero(INTS);
            for (int c = block; c < block + BLOCK; c += 2 * S) {
                sum = sum.add(q8Run(w.codes, base + c, ShortVector.fromArray(SHORTS, x.codes, c), ShortVector.fromArray(SHORTS, x.codes, c + S)));
            }
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, w.scales[row * w.blocks + b] * x.scales[b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** One q4 row: per block, {@code (Σ c·x − zero point·Σ x)·scale}, the zero points' part summed apart. */
    private static float dotQ4(Weight w, int row, Input x) {
        int base = row * w.codeBytesPerRow();
        FloatVector acc = FloatVector.zero(FLOATS);
        float correction = 0;
        for (int b = 0; b < w.blocks; b++) {
            int block = b * BLOCK;
            IntVector sum = IntVector.zero(INTS);
            for (int c = block; c < block + BLOCK; c += 2 * S) {
                sum = sum.add(q4Run(w.codes, base + c / 2, ShortVector.fromArray(SHORTS, x.codes, c), ShortVector.fromArray(SHORTS, x.codes, c + S)));
            }
            int at = row * w.blocks + b;
            float scale = w.scales[at] * x.scales[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scale), acc);
            correction += w.zeroPoints[at] * x.sums[b] * scale;
        }
        return acc.reduceLanes(VectorOperators.ADD) - correction;
    }

    /**
     * Rows {@code n}, {@code n + apart}, {@code n + 2·apart}, {@code n + 3·apart} of a q8 product where a
     * block is one run, each summed as {@link #dotQ8} sums one row.
     */
    private static void dotsQ8(Weight w, int n, int apart, Input x, float[] out, int at) {
        int n1 = n + apart;
        int n2 = n1 + apart;
        int n3 = n2 + apart;
        int rowBytes = w.codeBytesPerRow();
        int b0 = n * rowBytes;
        int b1 = n1 * rowBytes;
        int b2 = n2 * rowBytes;
        int b3 = n3 * rowBytes;
        byte[] codes = w.codes;
        float[] scales = w.scales;
        short[] input = x.codes;
        int blocks = w.blocks;
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0; b < blocks; b++) {
            int c = b * BLOCK;
            ShortVector x0 = ShortVector.fromArray(SHORTS, input, c);
            ShortVector x1 = ShortVector.fromArray(SHORTS, input, c + S);
            IntVector s0 = q8Run(codes, b0 + c, x0, x1);
            IntVector s1 = q8Run(codes, b1 + c, x0, x1);
            IntVector s2 = q8Run(codes, b2 + c, x0, x1);
            IntVector s3 = q8Run(codes, b3 + c, x0, x1);
            float scale = x.scales[b];
            a0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n * blocks + b] * scale), a0);
            a1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n1 * blocks + b] * scale), a1);
            a2 = ((FloatVector) s2.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n2 * blocks + b] * scale), a2);
            a3 = ((FloatVector) s3.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n3 * blocks + b] * scale), a3);
        }
        out[at + n] = a0.reduceLanes(VectorOperators.ADD);
        out[at + n1] = a1.reduceLanes(VectorOperators.ADD);
        out[at + n2] = a2.reduceLanes(VectorOperators.ADD);
        out[at + n3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Rows {@code n}, {@code n + apart}, {@code n + 2·apart}, {@code n + 3·apart} of a q4 product where a
     * block is one run, each summed as {@link #dotQ4} sums one row.
     */
    private static void dotsQ4(Weight w, int n, int apart, Input x, float[] out, int at) {
        int n1 = n + apart;
        int n2 = n1 + apart;
        int n3 = n2 + apart;
        int rowBytes = w.codeBytesPerRow();
        int b0 = n * rowBytes;
        int b1 = n1 * rowBytes;
        int b2 = n2 * rowBytes;
        int b3 = n3 * rowBytes;
        byte[] codes = w.codes;
        float[] scales = w.scales;
        byte[] zeroPoints = w.zeroPoints;
        short[] input = x.codes;
        int blocks = w.blocks;
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float c0 = 0;
        float c1 = 0;
        float c2 = 0;
        float c3 = 0;
        for (int b = 0; b < blocks; b++) {
            int c = b * BLOCK;
            ShortVector even = ShortVector.fromArray(SHORTS, input, c);
            ShortVector odd = ShortVector.fromArray(SHORTS, input, c + S);
            IntVector s0 = q4Run(codes, b0 + c / 2, even, odd);
            IntVector s1 = q4Run(codes, b1 + c / 2, even, odd);
            IntVector s2 = q4Run(codes, b2 + c / 2, even, odd);
            IntVector s3 = q4Run(codes, b3 + c / 2, even, odd);
            float scale = x.scales[b];
            int sum = x.sums[b];
            int i0 = n * blocks + b;
            int i1 = n1 * blocks + b;
            int i2 = n2 * blocks + b;
            int i3 = n3 * blocks + b;
            float f0 = scales[i0] * scale;
            float f1 = scales[i1] * scale;
            float f2 = scales[i2] * scale;
            float f3 = scales[i3] * scale;
            a0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, f0), a0);
            a1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, f1), a1);
            a2 = ((FloatVector) s2.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, f2), a2);
            a3 = ((FloatVector) s3.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, f3), a3);
            c0 += zeroPoints[i0] * sum * f0;
            c1 += zeroPoints[i1] * sum * f1;
            c2 += zeroPoints[i2] * sum * f2;
            c3 += zeroPoints[i3] * sum * f3;
        }
        out[at + n] = a0.reduceLanes(VectorOperators.ADD) - c0;
        out[at + n1] = a1.reduceLanes(VectorOperators.ADD) - c1;
        out[at + n2] = a2.reduceLanes(VectorOperators.ADD) - c2;
        out[at + n3] = a3.reduceLanes(VectorOperators.ADD) - c3;
    }

    /**
     * Rows {@code n} and {@code n + apart} of a q8 product where a block is two runs, each summed as
     * {@link #dotQ8} sums one row.
     */
    private static void pairQ8(Weight w, int n, int apart, Input x, float[] out, int at) {
        int n1 = n + apart;
        int rowBytes = w.codeBytesPerRow();
        int b0 = n * rowBytes;
        int b1 = n1 * rowBytes;
        byte[] codes = w.codes;
        float[] scales = w.scales;
        short[] input = x.codes;
        int blocks = w.blocks;
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        for (int b = 0; b < blocks; b++) {
            int c = b * BLOCK;
            int d = c + 2 * S;
            ShortVector x0 = ShortVector.fromArray(SHORTS, input, c);
            ShortVector x1 = ShortVector.fromArray(SHORTS, input, c + S);
            ShortVector x2 = ShortVector.fromArray(SHORTS, input, d);
            ShortVector x3 = ShortVector.fromArray(SHORTS, input, d + S);
            IntVector s0 = q8Run(codes, b0 + c, x0, x1);
            IntVector t0 = q8Run(codes, b0 + d, x2, x3);
            IntVector s1 = q8Run(codes, b1 + c, x0, x1);
            IntVector t1 = q8Run(codes, b1 + d, x2, x3);
            float scale = x.scales[b];
            a0 = ((FloatVector) s0.add(t0).convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n * blocks + b] * scale), a0);
            a1 = ((FloatVector) s1.add(t1).convertShape(VectorOperators.I2F, FLOATS, 0)).fma(FloatVector.broadcast(FLOATS, scales[n1 * blocks + b] * scale), a1);
        }
        out[at + n] = a0.reduceLanes(VectorOperators.ADD);
        out[at + n1] = a1.reduceLanes(VectorOperators.ADD);
    }

    /**
     * One run of {@code 2·S} q8 codes times the inputs' codes, as S int sums: the products of each half
     * summed in shorts (|c·x| ≤ 127², two fit), then neighbouring shorts summed as ints, each int lane
     * of the vector's bits holding two shorts, the low one sign-extended by a shift left and back, the
     * high one by an arithmetic shift: the same total as widening both halves and adding them, in fewer
     * instructions (q8 on cache-resident weights, one thread, AVX-512, two runs: medians of 12.1 and
     * 13.1 GMAC/s against 11.1 and 7.4).
     */
    private static IntVector q8Run(byte[] codes, int at, ShortVector x0, ShortVector x1) {
        ShortVector w0 = (ShortVector) ByteVector.fromArray(BYTES, codes, at).convertShape(VectorOperators.B2S, SHORTS, 0);
        ShortVector w1 = (ShortVector) ByteVector.fromArray(BYTES, codes, at + S).convertShape(VectorOperators.B2S, SHORTS, 0);
        IntVector pairs = w0.mul(x0).add(w1.mul(x1)).reinterpretAsInts();
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * One run of S packed q4 bytes times the inputs' codes, as S int sums: the low nibbles times the
     * run's even inputs plus the high nibbles times its odd ones (|c·x| ≤ 15·127), neighbouring shorts
     * summed as ints as in {@link #q8Run}. The nibbles are taken apart after widening the bytes to
     * shorts: x86 has no byte shift, and C2 emulates one by widening, shifting and packing again (on
     * the 0.5B preset's decode shapes, two threads, three alternating rounds: 21-24 ms against 27-46).
     */
    private static IntVector q4Run(byte[] codes, int at, ShortVector even, ShortVector odd) {
        ShortVector wide = (ShortVector) ByteVector.fromArray(BYTES, codes, at).convertShape(VectorOperators.B2S, SHORTS, 0);
        ShortVector low = wide.and((short) 0x0F);
        ShortVector high = wide.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F);
        IntVector pairs = low.mul(even).add(high.mul(odd)).reinterpretAsInts();
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(pairs.lanewise(VectorOperators.ASHR, 16));
    }
}
