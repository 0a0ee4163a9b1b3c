package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.Quantization;
import io.interp4j.testkit.EngineContractTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The onnx engine against the shared engine contract and the double-precision reference. */
class OnnxEngineContractTest extends EngineContractTest {
    @Override
    protected EngineProvider provider() {
        return new OnnxEngineProvider();
    }

    /**
     * The fast modes really run ONNX Runtime's int8 kernels, not a dequantising fallback: their logits
     * differ from the faithful mode's on the same codes (Q8 and INT8 share them) by far more than
     * float32 rounding, while the shared contract bounds how far (fastModesStayNear…).
     */
    @ParameterizedTest
    @CsvSource({"Q8, INT8"})
    void fastModesMultiplyWithInt8Activations(Quantization fast, Quantization faithful) {
        int[] tokens = randomTokens(9, 101);
        float[] fastLogits = logits(fast, tokens);
        float[] faithfulLogits = logits(faithful, tokens);
        double maxAbs = 0;
        for (int i = 0; i < fastLogits.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(fastLogits[i] - faithfulLogits[i]));
        }
        assertThat(maxAbs).isGreaterThan(100 * TOLERANCE);
    }

    private float[] logits(Quantization scheme, int[] tokens) {
        try (Model model = provider().load(Checkpoint.open(modelDir(BLOCKS_GQA2_F32)), LoadOptions.defaults().withQuantization(scheme));
                Run run = model.newRun()) {
            return run.forward(tokens).logits().toFloatArray();
        }
    }
}
