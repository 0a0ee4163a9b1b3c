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
     * @param vectors {@code [n][d_model]}
     * @return {@code [n][vocab]}
     */
    public double[][] logits(double[][] vectors) {
        double[][] out = new double[vectors.length][vocab];
        int tasks = (vocab + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        IntStream.range(0, tasks).parallel().forEach(task -> {
            float[] row = new float[hidden];
            short[] narrow = halves == null ? null : new short[hidden];
            int end = Math.min(vocab, (task + 1) * ROWS_PER_TASK);
            for (int v = task * ROWS_PER_TASK; v < end; v++) {
                readRow(v, row, narrow);
                for (int n = 0; n < vectors.length; n++) {
                    double[] x = vectors[n];
                    double sum = 0;
                    for (int c = 0; c < hidden; c++) {
                        sum += row[c] * x[c];
                    }
                    out[n][v] = sum;
                }
            }
        });
        return out;
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
