package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.Quantization;
import io.interp4j.testkit.EngineContractTest;
import io.interp4j.testkit.ReferenceQwen2;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The djl engine against the shared engine contract and the double-precision reference; and, beyond
 * the contract, its fast modes against the reference with their own activation quantisation
 * ({@link ReferenceQwen2#withBlockInt8Activations}), which djl computes exactly as defined.
 */
class DjlEngineContractTest extends EngineContractTest {
    @Override
    protected EngineProvider provider() {
        return new DjlEngineProvider();
    }

    /**
     * A prompt's forward multiplies its rows through PyTorch's product of the quantised inputs' values;
     * on a model whose projections span several blocks, and on one with tied embeddings (the lookup
     * reads the float32 table, the unembedding its quantised copy).
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void fastModesEqualTheReferenceWithBlockQuantisedActivationsAtEveryHookPoint(Quantization scheme) throws IOException {
        for (Spec spec : List.of(BLOCKS_GQA2_F32, TIED_GQA7_BF16)) {
            int[] tokens = randomTokens(9, 81);
            ReferenceQwen2 dequantised = fastReference(spec, scheme);
            ReferenceQwen2.Result expected = dequantised.withBlockInt8Activations().forward(tokens);
            assertThat(maxAbs(expected.logits().data(), dequantised.forward(tokens).logits().data()))
                    .as("test fixture: quantising the activations changes the logits").isGreaterThan(100 * TOLERANCE);
            try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                    Run run = model.newRun()) {
                assertMatches(run.forward(tokens), expected, List.of());
            }
            // every hook point observed: o_proj also runs per head (attn.hook_result), from z quantised by its whole rows
            try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                    Run run = model.newRun()) {
                assertMatches(run.cacheAll().forward(tokens), expected, HookPoint.all(model.config()));
            }
        }
    }

    /**
     * Each cached decode step multiplies its one row with the block kernels (the integer codes), and
     * its logits are the reference's at that position.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void cachedDecodeStepsThroughTheBlockKernelsEqualTheReference(Quantization scheme) throws IOException {
        Spec spec = BLOCKS_GQA2_F32;
        int[] prompt = randomTokens(5, 82);
        int newTokens = 6;
        ReferenceQwen2 reference = fastReference(spec, scheme).withBlockInt8Activations();
        List<float[]> stepLogits = new ArrayList<>();
        int[] generated;
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                Run run = model.newRun()) {
            run.hook(HookPoint.global(HookSite.LOGITS), (a, ctx) -> {
                float[] all = a.toFloatArray();
                stepLogits.add(Arrays.copyOfRange(all, all.length - VOCAB, all.length));
                return a;
            });
            generated = run.generate(prompt, new GenerationOptions(newTokens, true, false)).generated();
        }
        assertThat(stepLogits).as("the prefill and every decode step but the last token's").hasSize(newTokens);
        int[] sequence = Arrays.copyOf(prompt, prompt.length + newTokens);
        System.arraycopy(generated, 0, sequence, prompt.length, newTokens);
        for (int step = 0; step < newTokens; step++) {
            double[] all = reference.forward(Arrays.copyOf(sequence, prompt.length + step)).logits().data();
            double[] expected = Arrays.copyOfRange(all, all.length - VOCAB, all.length);
            assertThat(maxAbs(expected, stepLogits.get(step))).as("%s step %d: last position's logits against the reference", scheme, step)
                    .isLessThanOrEqualTo(TOLERANCE);
            assertThat(generated[step]).as("%s step %d: greedy token", scheme, step).isEqualTo(ReferenceQwen2.argmax(expected));
        }
    }
}
