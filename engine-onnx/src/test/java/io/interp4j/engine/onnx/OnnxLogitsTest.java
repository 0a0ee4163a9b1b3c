package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logits that no hook sees are written by ONNX Runtime straight into the array a forward returns; the
 * contract suite's parity, generation and observation tests compare them with the reference and with
 * logits copied out of ONNX Runtime (when a hook observes them). Here: that direct path is the one a
 * plain forward takes, and the array it returns is not overwritten by the run's next forward.
 */
class OnnxLogitsTest {
    private static final ModelConfig CONFIG = ModelConfig.of(300, 32, 64, 2, 4, 2, false);

    @TempDir
    Path dir;

    @Test
    void plainForwardsWriteTheLogitsIntoTheReturnedArrayAndMatchTheCopiedOnes() {
        RandomCheckpoint.write(dir, CONFIG, DType.F32, 3);
        int[] tokens = new Random(8).ints(9, 0, CONFIG.vocabSize()).toArray();
        try (OnnxModel model = (OnnxModel) new OnnxEngineProvider().load(Checkpoint.open(dir))) {
            assertThat(model.writesIntoArrays()).as("PyTorch hands out a direct view of a new array's memory").isTrue();
            try (Run plain = model.newRun(); Run observing = model.newRun()) {
                NDArray direct = plain.forward(tokens).logits();
                float[] copied = observing.cache(List.of(HookPoint.global(HookSite.LOGITS))).forward(tokens).logits().toFloatArray();
                // a later forward of the same run does not touch the array an earlier one returned
                plain.forward(new Random(9).ints(9, 0, CONFIG.vocabSize()).toArray());
                assertThat(direct.getShape().getShape()).containsExactly(1, tokens.length, CONFIG.vocabSize());
                float[] values = direct.toFloatArray();
                double largest = 0;
                for (int i = 0; i < values.length; i++) {
                    largest = Math.max(largest, Math.abs(values[i] - copied[i]));
                }
                assertThat(largest).isLessThan(1e-5);
                assertThat(values).as("the logits were written, not left as the new array's memory").isNotEqualTo(new float[values.length]);
            }
        }
    }
}
