package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loaded block holds {@code [q; k; v]} and {@code [gate; up]} as one matrix each, row for row the
 * checkpoint's tensors (the contract suite checks the values every hook point then sees).
 */
class DjlFusedProjectionsTest {
    @TempDir
    Path dir;

    @Test
    void qkvAndGateUpAreTheCheckpointTensorsStackedAlongTheOutputAxis() {
        ModelConfig config = ModelConfig.of(300, 32, 48, 2, 4, 2, true);
        RandomCheckpoint.write(dir.resolve("m"), config, DType.F32, 7);
        try (Checkpoint reference = Checkpoint.open(dir.resolve("m"));
                DjlModel model = (DjlModel) new DjlEngineProvider().load(Checkpoint.open(dir.resolve("m")))) {
            for (int layer = 0; layer < config.numLayers(); layer++) {
                LayerWeights w = model.weights().layers()[layer];
                assertThat(w.isFused()).isTrue();
                int q = config.numHeads() * config.headDim();
                int kv = config.numKvHeads() * config.headDim();
                assertThat(w.qkvWeight().getShape().getShape()).containsExactly(q + 2 * kv, config.hiddenSize());
                assertThat(w.gateUpWeight().getShape().getShape()).containsExactly(2 * config.intermediateSize(), config.hiddenSize());
                assertThat(w.qkvWeight().toFloatArray()).containsExactly(concat(reference, layer, "self_attn.q_proj.weight",
                        "self_attn.k_proj.weight", "self_attn.v_proj.weight"));
                assertThat(w.qkvBias().toFloatArray()).containsExactly(concat(reference, layer, "self_attn.q_proj.bias",
                        "self_attn.k_proj.bias", "self_attn.v_proj.bias"));
                assertThat(w.gateUpWeight().toFloatArray()).containsExactly(concat(reference, layer, "mlp.gate_proj.weight",
                        "mlp.up_proj.weight"));
            }
        }
    }

    private static float[] concat(Checkpoint checkpoint, int layer, String... suffixes) {
        float[] all = new float[0];
        for (String suffix : suffixes) {
            float[] part = checkpoint.readFloats(Qwen2Layout.layer(layer, suffix));
            float[] grown = Arrays.copyOf(all, all.length + part.length);
            System.arraycopy(part, 0, grown, all.length, part.length);
            all = grown;
        }
        return all;
    }
}
