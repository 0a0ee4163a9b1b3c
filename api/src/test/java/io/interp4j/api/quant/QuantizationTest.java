package io.interp4j.api.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** Which tensors each scheme quantises, and with which scheme. */
class QuantizationTest {
    private static final ModelConfig TIED = ModelConfig.of(257, 64, 128, 2, 4, 2, true);
    private static final ModelConfig UNTIED = ModelConfig.of(257, 64, 128, 2, 4, 2, false);
    private static final String PROJECTION = Qwen2Layout.layer(1, "mlp.down_proj.weight");

    @Test
    void projectionsTakeTheSchemeItself() {
        for (Quantization q : Quantization.values()) {
            assertThat(q.schemeFor(PROJECTION, UNTIED)).as(q.configName()).isEqualTo(q);
        }
        assertThat(Quantization.Q4.schemeFor(Qwen2Layout.layer(1, "self_attn.q_proj.bias"), UNTIED)).isEqualTo(Quantization.NONE);
        assertThat(Quantization.Q4.schemeFor(Qwen2Layout.FINAL_NORM, UNTIED)).isEqualTo(Quantization.NONE);
    }

    @Test
    void onlyTheFastModesQuantiseTheUnembeddingAndAtEightBits() {
        assertThat(Quantization.Q8.schemeFor(Qwen2Layout.LM_HEAD, UNTIED)).isEqualTo(Quantization.Q8);
        assertThat(Quantization.Q4.schemeFor(Qwen2Layout.LM_HEAD, UNTIED)).isEqualTo(Quantization.Q8);
        assertThat(Quantization.Q4.schemeFor(Qwen2Layout.EMBED, UNTIED)).as("an untied embedding").isEqualTo(Quantization.NONE);
        assertThat(Quantization.Q4.schemeFor(Qwen2Layout.EMBED, TIED)).as("a tied table is the unembedding too").isEqualTo(Quantization.Q8);
        for (Quantization q : new Quantization[] {Quantization.NONE, Quantization.INT8, Quantization.NF4, Quantization.LLM_INT8}) {
            assertThat(q.schemeFor(Qwen2Layout.LM_HEAD, UNTIED)).as(q.configName()).isEqualTo(Quantization.NONE);
            assertThat(q.schemeFor(Qwen2Layout.EMBED, TIED)).as(q.configName()).isEqualTo(Quantization.NONE);
        }
    }
}
