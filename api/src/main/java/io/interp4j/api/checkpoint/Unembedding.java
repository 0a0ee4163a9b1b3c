package io.interp4j.api.checkpoint;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Internal;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The model's final RMSNorm and unembedding, read from its checkpoint and applied in Java with double
 * accumulation, so the lens means the same on every engine. The unembedding stays memory-mapped in its
 * storage type; rows are widened to float32 as they are used ({@code vocab × d_model} can be hundreds
 * of megabytes). The logit lens reads it, and so does any step that unembeds activations a forward
 * plan read.
 *
 * @since 0.2
 */
@Internal
public final class Unembedding implements AutoCloseable {
    private static final int ROWS_PER_TASK = 512;

    private final int vocab;
    private final int hidden;
    private final double eps;
    private final double[] normWeight;
    private final SafetensorsFile file;
    private final DType dtype;
    private final FloatBuffer floats;
    private final ShortBuffer halves;

    private Unembedding(ModelConfig config, double[] normWeight, SafetensorsFile file, TensorInfo info) {
        this.vocab = config.vocabSize();
        this.hidden = config.hiddenSize();
        this.eps = config.rmsNormEps();
        this.normWeight = normWeight;
        this.file = file;
        this.dtype = info.dtype();
        ByteBuffer raw = file.map(info);
        this.floats = dtype == DType.F32 ? raw.asFloatBuffer() : null;
        this.halves = dtype == DType.F32 ? null : raw.asShortBuffer();
    }

    /**
     * Reads the final norm and maps the unembedding of a model directory.
     *
     * @param directory the model's directory
     * @return the unembedding, to be closed
     */
    public static Unembedding open(Path directory) {
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            ModelConfig config = checkpoint.config();
            float[] norm = checkpoint.readFloats(Qwen2Layout.FINAL_NORM);
            double[] weight = new double[norm.length];
            for (int i = 0; i < norm.length; i++) {
                weight[i] = norm[i];
            }
            TensorInfo info = checkpoint.info(Qwen2Layout.unembedding(config));
            long[] shape = info.shape();
            if (shape.length != 2 || shape[0] != config.vocabSize() || shape[1] != config.hiddenSize()) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, info.file() + ": tensor '" + info.name() + "' has shape "
                        + Arrays.toString(shape) + "; expected [" + config.vocabSize() + ", " + config.hiddenSize() + "]");
            }
            SafetensorsFile file = SafetensorsFile.open(info.file());
            try {
                return new Unembedding(config, weight, file, file.info(info.name()));
            } catch (RuntimeException e) {
                file.close();
                throw e;
            }
        }
    }

    /**
     * Returns the number of unembedding rows.
     *
     * @return the vocabulary size
     */
    public int vocab() {
        return vocab;
    }

    /**
     * Applies the final RMSNorm, {@code w · x / sqrt(mean(x²) + eps)}, as Hugging Face's {@code Qwen2RMSNorm} does.
     *
     * @param x row-major residual vectors
     * @param offset where the vector starts in {@code x}
     * @return the normed vector, {@code [d_model]}
     */
    public double[] finalNorm(float[] x, int offset) {
        double sumSquares = 0;
        for (int c = 0; c < hidden; c++) {
            double v = x[offset + c];
            sumSquares += v * v;
        }
        double inverseRms = 1 / Math.sqrt(sumSquares / hidden + eps);
        double[] out = new double[hidden];
        for (int c = 0; c < hidden; c++) {
            out[c] = normWeight[c] * (x[offset + c] * inverseRms);
        }
        return out;
    }

    /**
     * Returns the residual vector as it is, widened to double (the published early-exit reading).
     *
     * @param x row-major residual vectors
     * @param offset where the vector starts in {@code x}
     * @return the vector, {@code [d_model]}
     */
    public double[] raw(float[] x, int offset) {
        double[] out = new double[hidden];
        for (int c = 0; c < hidden; c++) {
            out[c] = x[offset + c];
        }
        return out;
    }

    /**
     * Unembeds vectors: {@code logits[n][v] = Σ_c W[v, c] · x[n][c]}, each unembedding row read once
     * for all vectors, rows split across the common pool.
     *
     * <p>Every dot product is summed in the order c = 0, 1, …, in double, with a separate multiply and
     * add, so each logit is the same to the last bit as the plain loop's. The speed comes from
     * computing two rows against four vectors at once: eight independent sums keep the CPU's
     * floating-point units busy where one sum waits on its own previous addition (about 2.8× on this
     * project's 2-core machine; the logit lens and early exit unembed every layer of every prompt).
     *
     * @param vectors {@code [n][d_model]}
     * @return {@code [n][vocab]}
     */
    public double[][] logits(double[][] vectors) {
        for (double[] x : vectors) {
            if (x.length != hidden) {
                throw new IllegalArgumentException("vector of " + x.length + " values; the unembedding needs " + hidden);
            }
        }
        double[][] out = new double[vectors.length][vocab];
        int tasks = (vocab + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        IntStream.range(0, tasks).parallel().forEach(task -> {
            float[] row = new float[hidden];
            short[] narrow = halves == null ? null : new short[hidden];
            double[] first = new double[hidden];
            double[] second = new double[hidden];
            int v = task * ROWS_PER_TASK;
            int end = Math.min(vocab, (task + 1) * ROWS_PER_TASK);
            for (; v + 1 < end; v += 2) {
                widen(v, row, narrow, first);
                widen(v + 1, row, narrow, second);
                productsOfTwoRows(first, second, vectors, out, v);
            }
            if (v < end) {
                widen(v, row, narrow, first);
                for (int n = 0; n < vectors.length; n++) {
                    out[n][v] = dot(first, vectors[n]);
                }
            }
        });
        return out;
    }

    /** Rows v and v + 1 against every vector, four vectors at a time. */
    private void productsOfTwoRows(double[] first, double[] second, double[][] vectors, double[][] out, int v) {
        int n = 0;
        for (; n + 3 < vectors.length; n += 4) {
            double[] x0 = vectors[n];
            double[] x1 = vectors[n + 1];
            double[] x2 = vectors[n + 2];
            double[] x3 = vectors[n + 3];
            double a0 = 0;
            double a1 = 0;
            double a2 = 0;
            double a3 = 0;
            double b0 = 0;
            double b1 = 0;
            double b2 = 0;
            double b3 = 0;
            for (int c = 0; c < hidden; c++) {
                double p = first[c];
                double q = second[c];
                double y0 = x0[c];
                double y1 = x1[c];
                double y2 = x2[c];
                double y3 = x3[c];
                a0 += p * y0;
                a1 += p * y1;
                a2 += p * y2;
                a3 += p * y3;
                b0 += q * y0;
                b1 += q * y1;
                b2 += q * y2;
                b3 += q * y3;
            }
            out[n][v] = a0;
            out[n + 1][v] = a1;
            out[n + 2][v] = a2;
            out[n + 3][v] = a3;
            out[n][v + 1] = b0;
            out[n + 1][v + 1] = b1;
            out[n + 2][v + 1] = b2;
            out[n + 3][v + 1] = b3;
        }
        for (; n < vectors.length; n++) {
            out[n][v] = dot(first, vectors[n]);
            out[n][v + 1] = dot(second, vectors[n]);
        }
    }

    private double dot(double[] row, double[] x) {
        double sum = 0;
        for (int c = 0; c < hidden; c++) {
            sum += row[c] * x[c];
        }
        return sum;
    }

    /** Reads row v widened to double (exactly: every float32, bf16 and f16 value is a double). */
    private void widen(int v, float[] row, short[] narrow, double[] out) {
        readRow(v, row, narrow);
        for (int c = 0; c < hidden; c++) {
            out[c] = row[c];
        }
    }

    private void readRow(int v, float[] row, short[] narrow) {
        int start = v * hidden;
        if (floats != null) {
            floats.get(start, row);
            return;
        }
        halves.get(start, narrow);
        for (int c = 0; c < hidden; c++) {
            row[c] = dtype == DType.BF16 ? DType.bf16ToFloat(narrow[c]) : DType.f16ToFloat(narrow[c]);
        }
    }

    /** Unmaps the checkpoint file. */
    @Override
    public void close() {
        file.close();
    }
}
