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

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 7, 8, 9, 24})
    void everyLogitIsThePlainOrderedDotProductToTheLastBit(int count) {
        // an odd vocabulary over two tasks of 512 rows: the pairs of rows end with one row alone
        ModelConfig config = ModelConfig.of(1_025, 24, 32, 1, 4, 2, false);
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(dir, config, DType.F32, 5);
        float[] weight;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weight = checkpoint.readFloats(Qwen2Layout.unembedding(checkpoint.config()));
        }
        double[][] vectors = vectors(count, 24, count);
        try (Unembedding unembedding = Unembedding.open(dir)) {
            double[][] logits = unembedding.logits(vectors);
            double[][] expected = plain(weight, 1_025, 24, vectors);
            for (int n = 0; n < count; n++) {
                assertThat(logits[n]).as("vector %d", n).containsExactly(expected[n]);
            }
        }
    }

    @Test
    void bfloat16RowsAreWidenedExactly() {
        ModelConfig config = ModelConfig.of(301, 16, 32, 1, 4, 2, true);
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(dir, config, DType.BF16, 9);
        float[] weight;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weight = checkpoint.readFloats(Qwen2Layout.unembedding(checkpoint.config()));
        }
        double[][] vectors = vectors(6, 16, 2);
        try (Unembedding unembedding = Unembedding.open(dir)) {
            double[][] logits = unembedding.logits(vectors);
            double[][] expected = plain(weight, 301, 16, vectors);
            for (int n = 0; n < vectors.length; n++) {
                assertThat(logits[n]).as("vector %d", n).containsExactly(expected[n]);
            }
        }
    }
}
