package io.interp4j.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.model.ModelConfig;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnembeddingTest {
    @TempDir
    Path tmp;

    /**
     * The reference: one plain dot product per logit, summed in double in the order c = 0, 1, …, from
     * the checkpoint's own rows (read through Checkpoint, not through Unembedding's mapped buffer).
     */
    private static double[][] plain(float[] weight, int vocab, int hidden, double[][] vectors) {
        double[][] out = new double[vectors.length][vocab];
        for (int n = 0; n < vectors.length; n++) {
            for (int v = 0; v < vocab; v++) {
                double sum = 0;
                for (int c = 0; c < hidden; c++) {
                    sum += (double) weight[v * hidden + c] * vectors[n][c];
                }
                out[n][v] = sum;
            }
        }
        return out;
    }

    private static double[][] vectors(int count, int hidden, long seed) {
        Random random = new Random(seed);
        double[][] vectors = new double[count][hidden];
        for (double[] x : vectors) {
            for (int c = 0; c < hidden; c++) {
                x[c] = random.nextGaussian() * 3;
            }
        }
        return vectors;
    }

    /** Writes a random checkpoint and checks every logit of the vectors against {@link #plain}. */
    private void assertPlainLogits(ModelConfig config, DType dtype, double[][] vectors) {
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(dir, config, dtype, 5);
        float[] weight;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weight = checkpoint.readFloats(Qwen2Layout.unembedding(checkpoint.config()));
        }
        try (Unembedding unembedding = Unembedding.open(dir)) {
            double[][] logits = unembedding.logits(vectors);
            double[][] expected = plain(weight, config.vocabSize(), config.hiddenSize(), vectors);
            for (int n = 0; n < vectors.length; n++) {
                assertThat(logits[n]).as("vector %d", n).containsExactly(expected[n]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 7, 8, 9, 24})
    void everyLogitIsThePlainOrderedDotProductToTheLastBit(int count) {
        // an odd vocabulary over two tasks of 512 rows: the pairs of rows end with one row alone
        assertPlainLogits(ModelConfig.of(1_025, 24, 32, 1, 4, 2, false), DType.F32, vectors(count, 24, count));
    }

    @Test
    void bfloat16RowsAreWidenedExactly() {
        assertPlainLogits(ModelConfig.of(301, 16, 32, 1, 4, 2, true), DType.BF16, vectors(6, 16, 2));
    }
}
