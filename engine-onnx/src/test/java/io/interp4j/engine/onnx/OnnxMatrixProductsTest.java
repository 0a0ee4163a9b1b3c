package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxMatrixProductsTest {
    @TempDir
    Path dir;

    @Test
    void holdsSevenProjectionsAndTwoAttentionProductsPerBlockAndTheUnembedding() {
        ModelConfig config = ModelConfig.of(257, 32, 64, 3, 4, 2, false);
        RandomCheckpoint.write(dir, config, DType.BF16, 7);
        try (Checkpoint checkpoint = Checkpoint.open(dir); OnnxMatrixProducts products = OnnxMatrixProducts.of(checkpoint)) {
            assertThat(products.products()).isEqualTo(9L * 3 + 1);
            assertThat(products.millis(5, 5, 5)).isPositive();
            assertThat(products.millis(5, 5, 1)).isPositive();
            assertThat(products.millis(1, 6, 1)).isPositive();
            assertThatThrownBy(() -> products.millis(4, 3, 1)).hasMessageContaining("found tokens 4, keys 3, unembedded 1");
            assertThatThrownBy(() -> products.millis(4, 4, 5)).hasMessageContaining("found tokens 4, keys 4, unembedded 5");
            assertThatThrownBy(() -> products.millis(4, 4, 0)).hasMessageContaining("1 <= unembedded <= tokens");
        }
    }
}
