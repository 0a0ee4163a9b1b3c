package io.interp4j.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.lens.Completion;
import io.interp4j.api.lens.HookedModel;
import io.interp4j.api.lens.ResidualStack;
import io.interp4j.api.lens.Sampling;
import io.interp4j.api.lens.Session;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Padding;
import io.interp4j.api.model.Run;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.testkit.RefTensor;
import io.interp4j.testkit.ReferenceQwen2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lens facade on the djl engine (and, loaded by id, the onnx engine), every number against the independent double-precision reference
 * ({@link ReferenceQwen2}) or, for the logit attribution, against sums written out here from the
 * reference's activations and the checkpoint's tensors.
 */
class HookedModelTest {
    private static final double TOLERANCE = 1e-4;
    /** Three blocks, heads 4 / KV 2, untied. */
    private static final ModelConfig CONFIG = ModelConfig.of(300, 32, 64, 3, 4, 2, false);
    private static final String RESID = "blocks.1.hook_resid_post";

    @TempDir
    static Path models;

    private static Path dir;
    private static ReferenceQwen2 reference;

    @BeforeAll
    static void writeModel() {
        dir = models.resolve("tiny");
        RandomCheckpoint.write(dir, CONFIG, DType.F32, 11);
        reference = ReferenceQwen2.load(dir);
    }

    @Test
    void anUnknownEngineListsTheKnownOnes() {
        assertThatThrownBy(() -> HookedModel.load(dir, "tensorflow"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("unknown engine 'tensorflow'")
                .hasMessageContaining("[djl, onnx]");
    }

    @Test
    void theOnnxEngineChosenByIdGivesTheReferencesNumbersAndGenerations() {
        try (HookedModel model = HookedModel.load(dir, "onnx"); Session session = model.session()) {
            assertThat(model.model().engineId()).isEqualTo("onnx");
            int[] tokens = model.toTokens("The river runs");
            ForwardResult run = session.runWithCache(tokens, RESID);
            assertClose(run.cache().get(RESID), reference.forward(tokens).get(RESID), RESID);
            List<int[]> ragged = List.of(model.toTokens("The capital of"), model.toTokens("Paris is a city in France. Rome"));
            List<int[]> uniform = List.of(new int[] {5, 17, 250, 3}, new int[] {99, 7, 7, 120});
            for (List<int[]> prompts : List.of(ragged, uniform)) {
                Completion completion = session.generate(prompts, 5, Sampling.greedy());
                for (int row = 0; row < prompts.size(); row++) {
                    assertThat(completion.tokens(row)).as("row " + row + ", kv cache " + completion.kvCache())
                            .containsExactly(reference.generate(prompts.get(row), 5, true));
                }
            }
        }
    }

    @Test
    void theLoaderTakesATokenizerFileOtherThanTheDirectorys() throws IOException {
        Path other = Files.writeString(models.resolve("bytes-only.json"), ByteLevelBpe.train(ByteLevelBpe.MIN_VOCAB).toJson());
        try (HookedModel model = HookedModel.loader(dir).tokenizer(other).load()) {
            // the bytes-only tokenizer has no merges: one token per byte
            assertThat(model.toTokens("Hello")).containsExactly('H', 'e', 'l', 'l', 'o');
            assertThat(model.tokenizer()).isNotSameAs(model.model().requireTokenizer());
        }
    }

    @Test
    void strTokensAreTheTokensDecodedOneByOne() {
        try (HookedModel model = HookedModel.load(dir)) {
            String text = "The capital of France is Paris.";
            int[] ids = model.toTokens(text);
            List<String> strings = model.toStrTokens(text);
            assertThat(strings).hasSize(ids.length);
            assertThat(String.join("", strings)).isEqualTo(text);
            assertThat(model.toText(ids)).isEqualTo(text);
            assertThat(model.toStrTokens(ids[0])).containsExactly(strings.get(0));
            assertThatThrownBy(() -> model.toStrTokens(300)).hasMessageContaining("token id 300 is out of range; allowed 0..299");
        }
    }

    @Test
    void runWithCacheByNamesAndByFilterAgreesWithTheReference() {
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()) {
            int[] tokens = model.toTokens("The river runs");
            ReferenceQwen2.Result expected = reference.forward(tokens);
            ForwardResult byName = session.runWithCache(tokens, "hook_embed", RESID, "blocks.2.attn.hook_pattern");
            assertThat(byName.cache().points()).extracting(HookPoint::name)
                    .containsExactly("hook_embed", RESID, "blocks.2.attn.hook_pattern");
            for (HookPoint point : byName.cache().points()) {
                assertClose(byName.cache().get(point), expected.get(point), point.name());
            }
            assertClose(byName.logits(), expected.logits(), "logits");
            ForwardResult filtered = session.runWithCache(ForwardInput.of(tokens), p -> p.site() == HookSite.RESID_POST);
            assertThat(filtered.cache().points()).extracting(HookPoint::name)
                    .containsExactly("blocks.0.hook_resid_post", RESID, "blocks.2.hook_resid_post");
            assertThatThrownBy(() -> session.runWithCache(tokens, "blocks.3.hook_resid_post"))
                    .hasMessageContaining("blocks.3.hook_resid_post");
        }
    }

    @Test
    void aPaddedBatchGivesEachRowItsOwnForward() {
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()) {
            int[] shorter = model.toTokens("Rome");
            int[] longer = model.toTokens("The capital of Italy is");
            for (Padding padding : Padding.values()) {
                ForwardResult batch = session.runWithCache(ForwardInput.of(shorter, longer).withPadding(padding).logitsAt(Positions.LAST));
                float[] logits = batch.logits().toFloatArray();
                double[] first = ReferenceQwen2.lastRow(reference.forward(shorter).logits());
                double[] second = ReferenceQwen2.lastRow(reference.forward(longer).logits());
                for (int v = 0; v < CONFIG.vocabSize(); v++) {
                    assertThat((double) logits[v]).as(padding + " row 0").isCloseTo(first[v], within(TOLERANCE));
                    assertThat((double) logits[CONFIG.vocabSize() + v]).as(padding + " row 1").isCloseTo(second[v], within(TOLERANCE));
                }
            }
        }
    }

    @Test
    void aPatchFromTheCleanCacheMatchesTheReferenceWithTheRowsCopiedByHand() {
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()) {
            int[] clean = model.toTokens("The capital of France is");
            int[] corrupt = model.toTokens("The capital of Italy is");
            ForwardResult cleanRun = session.runWithCache(clean, RESID);
            ForwardResult patched = session.runWithPatch(corrupt, RESID, Positions.LAST, cleanRun.cache());

            RefTensor cleanResid = reference.forward(clean).get(RESID);
            int d = CONFIG.hiddenSize();
            UnaryOperator<RefTensor> copyLast = act -> {
                double[] data = act.data().clone();
                System.arraycopy(cleanResid.data(), cleanResid.data().length - d, data, data.length - d, d);
                return new RefTensor(act.shape(), data);
            };
            ReferenceQwen2.Result expected = reference.forward(corrupt, Map.of(HookPoint.parse(RESID), copyLast));
            assertClose(patched.logits(), expected.logits(), "patched logits");
            // the patch belonged to that call only
            assertClose(session.forward(ForwardInput.of(corrupt)).logits(), reference.forward(corrupt).logits(), "next call");
        }
    }

    @Test
    void hooksLiveExactlyAsLongAsTheirSession() {
        try (HookedModel model = HookedModel.load(dir)) {
            int[] tokens = model.toTokens("Hello, world!");
            try (Session session = model.session().hook("blocks.0.hook_mlp_out", (act, ctx) -> act.zerosLike())) {
                ReferenceQwen2.Result expected = reference.forward(tokens,
                        Map.of(HookPoint.parse("blocks.0.hook_mlp_out"), act -> RefTensor.zeros(act.shape())));
                assertClose(session.forward(ForwardInput.of(tokens)).logits(), expected.logits(), "hooked");
            }
            try (Session session = model.session()) {
                assertClose(session.forward(ForwardInput.of(tokens)).logits(), reference.forward(tokens).logits(), "after the hooked session");
            }
        }
    }

    @Test
    void batchedGreedyGenerationWithASteeringHookIsTheReferencesPerRow() {
        double[] direction = new double[CONFIG.hiddenSize()];
        for (int c = 0; c < direction.length; c++) {
            direction[c] = (c % 3) - 1;
        }
        float[] steer = new float[direction.length];
        for (int c = 0; c < steer.length; c++) {
            steer[c] = (float) (2 * direction[c]);
        }
        UnaryOperator<RefTensor> addDirection = act -> {
            double[] data = act.data().clone();
            for (int i = 0; i < data.length; i++) {
                data[i] += 2 * direction[i % direction.length];
            }
            return new RefTensor(act.shape(), data);
        };
        try (HookedModel model = HookedModel.load(dir);
                Session session = model.session().hook(RESID, (act, ctx) -> act.add(act.getManager().create(steer)))) {
            // different lengths: left-padded, keys and values reused with each row's pads masked
            List<int[]> ragged = List.of(model.toTokens("The capital of"), model.toTokens("Paris is a city in France. Rome"));
            Completion recomputed = session.generate(ragged, 6, Sampling.greedy());
            assertThat(recomputed.kvCache()).isTrue();
            // equal lengths: keys and values reused
            List<int[]> uniform = List.of(new int[] {5, 17, 250, 3}, new int[] {99, 7, 7, 120});
            Completion cached = session.generate(uniform, 6, Sampling.greedy());
            assertThat(cached.kvCache()).isTrue();
            for (Completion completion : List.of(recomputed, cached)) {
                for (int row = 0; row < 2; row++) {
                    int[] expected = reference.generate(completion.prompts().get(row), 6, true,
                            Map.of(HookPoint.parse(RESID), addDirection));
                    assertThat(completion.tokens(row)).as("row " + row).containsExactly(expected);
                    assertThat(completion.text(row)).isEqualTo(model.toText(expected));
                }
            }
        }
    }

    @Test
    void withTheKvCacheHooksSeeThePromptOnceThenOneNewPositionPerStep() {
        List<String> seen = new ArrayList<>();
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()
                .hook("blocks.0.hook_resid_pre", (act, ctx) -> {
                    seen.add(ctx.firstPosition() + "+" + act.getShape().get(1));
                    return act;
                })) {
            session.generate(List.of(new int[] {5, 17, 250, 3}, new int[] {99, 7, 7, 120}), 4, Sampling.greedy());
            assertThat(seen).containsExactly("0+4", "4+1", "5+1", "6+1");
            seen.clear();
            session.generate(List.of(new int[] {5, 17}, new int[] {99, 7, 7}), 3, Sampling.greedy());
            // different lengths: the left-padded prompts once (3 wide), then one new position per step after them
            assertThat(seen).containsExactly("0+3", "3+1", "4+1");
        }
    }

    @Test
    void promptsOfDifferentLengthsGetWithTheKvCacheTheTokensEachGetsFromItsOwnRunGenerate() {
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()) {
            List<int[]> ragged = List.of(model.toTokens("The capital of"), new int[] {7}, model.toTokens("Paris is a city in France. Rome"),
                    new int[] {5, 17, 250});
            Completion completion = session.generate(ragged, 10, Sampling.greedy());
            assertThat(completion.kvCache()).isTrue();
            for (int row = 0; row < ragged.size(); row++) {
                try (Run run = model.model().newRun()) {
                    assertThat(completion.tokens(row)).as("row " + row)
                            .containsExactly(run.generate(ragged.get(row), GenerationOptions.greedy(10)).generated());
                }
            }
        }
    }

    @Test
    void seededSamplingDrawsFromTheReferencesDistributionsWithTheSameDraws() {
        Sampling sampling = Sampling.seeded(42).withTemperature(0.8).withTopK(20).withTopP(0.9);
        try (HookedModel model = HookedModel.load(dir); Session session = model.session()) {
            List<int[]> prompts = List.of(model.toTokens("The answer is"), model.toTokens("x = [1, 2, 3]"));
            Completion first = session.generate(prompts, 8, sampling);
            assertThat(session.generate(prompts, 8, sampling).generated()).usingRecursiveComparison().isEqualTo(first.generated());
            for (int row = 0; row < prompts.size(); row++) {
                SplittableRandom random = new SplittableRandom(42 + row);
                int[] sequence = prompts.get(row);
                for (int token : first.tokens(row)) {
                    double[] logits = ReferenceQwen2.lastRow(reference.forward(sequence).logits());
                    float[] narrow = new float[logits.length];
                    for (int v = 0; v < logits.length; v++) {
                        narrow[v] = (float) logits[v];
                    }
                    assertThat(token).isEqualTo(sampling.next(narrow, random));
                    sequence = Arrays.copyOf(sequence, sequence.length + 1);
                    sequence[sequence.length - 1] = token;
                }
            }
            Completion other = session.generate(prompts, 8, sampling.withTopK(0).withTopP(1).withTemperature(1.5));
            assertThat(other.generated()).usingRecursiveComparison().isNotEqualTo(first.generated());
        }
    }

    @Test
    void weightsAreTheCheckpointsTensors() {
        try (HookedModel model = HookedModel.load(dir); Checkpoint checkpoint = Checkpoint.open(dir)) {
            float[] lmHead = checkpoint.readFloats(Qwen2Layout.LM_HEAD);
            int d = CONFIG.hiddenSize();
            assertThat(model.weights().unembedColumn(7)).containsExactly(Arrays.copyOfRange(lmHead, 7 * d, 8 * d));
            try (Session session = model.session()) {
                NDArray wU = model.weights().unembed(session.forward(1, 2).logits().getManager());
                assertThat(wU.getShape().getShape()).containsExactly(d, CONFIG.vocabSize());
                assertThat(wU.get(3, 7).getFloat()).isEqualTo(lmHead[7 * d + 3]);
            }
            assertThat(model.weights().finalNorm()).containsExactly(checkpoint.readFloats(Qwen2Layout.FINAL_NORM));
            assertThat(model.weights().layer(2, "mlp.up_proj.weight"))
                    .containsExactly(checkpoint.readFloats("model.layers.2.mlp.up_proj.weight"));
            assertThat(model.weights().shape("model.layers.0.self_attn.k_proj.weight")).containsExactly(2 * 8, d);
            assertThatThrownBy(() -> model.weights().floats("blocks.0.attn.W_Q")).hasMessageContaining("no tensor 'blocks.0.attn.W_Q'");
            assertThatThrownBy(() -> model.weights().layer(3, "mlp.up_proj.weight")).hasMessageContaining("layers 0..2");
        }
    }

    @Test
    void directLogitAttributionIsTheReferencesComponentsThroughTheFinalNormAndTheUnembedding() {
        try (HookedModel model = HookedModel.load(dir); Session session = model.session();
                Checkpoint checkpoint = Checkpoint.open(dir)) {
            int[] tokens = model.toTokens("The capital of France is");
            int position = tokens.length - 2;
            ResidualStack stack = session.decomposeResid(tokens, position);
            assertThat(stack.labels()).containsExactly("embed", "0_attn_out", "0_mlp_out", "1_attn_out", "1_mlp_out", "2_attn_out", "2_mlp_out");

            ReferenceQwen2.Result ref = reference.forward(tokens);
            int d = CONFIG.hiddenSize();
            List<String> points = List.of("hook_embed", "blocks.0.hook_attn_out", "blocks.0.hook_mlp_out", "blocks.1.hook_attn_out",
                    "blocks.1.hook_mlp_out", "blocks.2.hook_attn_out", "blocks.2.hook_mlp_out");
            double[] resid = Arrays.copyOfRange(ref.get("blocks.2.hook_resid_post").data(), position * d, (position + 1) * d);
            double squares = 0;
            for (double v : resid) {
                squares += v * v;
            }
            double inverseRms = 1 / Math.sqrt(squares / d + CONFIG.rmsNormEps());
            float[] norm = checkpoint.readFloats(Qwen2Layout.FINAL_NORM);
            float[] lmHead = checkpoint.readFloats(Qwen2Layout.LM_HEAD);
            int token = 42;
            double[] attribution = stack.logitAttribution(model.weights(), token);
            double total = 0;
            for (int i = 0; i < points.size(); i++) {
                double[] component = Arrays.copyOfRange(ref.get(points.get(i)).data(), position * d, (position + 1) * d);
                double expected = 0;
                for (int c = 0; c < d; c++) {
                    expected += component[c] * inverseRms * norm[c] * lmHead[token * d + c];
                }
                assertThat(attribution[i]).as(points.get(i)).isCloseTo(expected, within(TOLERANCE));
                total += attribution[i];
            }
            // the components' contributions sum to the logit itself
            double logit = ref.logits().data()[position * CONFIG.vocabSize() + token];
            assertThat(total).isCloseTo(logit, within(TOLERANCE));
            double[] difference = stack.logitDifferenceAttribution(model.weights(), token, 43);
            double[] other = stack.logitAttribution(model.weights(), 43);
            for (int i = 0; i < difference.length; i++) {
                assertThat(difference[i]).isEqualTo(attribution[i] - other[i]);
            }
            assertThatThrownBy(() -> session.decomposeResid(tokens, tokens.length)).hasMessageContaining("out of range");
        }
    }

    @Test
    void perHeadLogitAttributionIsEachHeadsZThroughItsOProjColumnsOnBothEngines() {
        int d = CONFIG.hiddenSize();
        int heads = CONFIG.numHeads();
        int dh = CONFIG.headDim();
        int token = 42;
        for (String engine : List.of("djl", "onnx")) {
            try (HookedModel model = HookedModel.load(dir, engine); Session session = model.session();
                    Checkpoint checkpoint = Checkpoint.open(dir)) {
                int[] tokens = model.toTokens("The capital of France is");
                int position = tokens.length - 1;
                ResidualStack stack = session.fullResidDecomposition(tokens, -1);
                assertThat(stack.labels()).as(engine).containsExactly("embed", "L0H0", "L0H1", "L0H2", "L0H3", "0_mlp_out",
                        "L1H0", "L1H1", "L1H2", "L1H3", "1_mlp_out", "L2H0", "L2H1", "L2H2", "L2H3", "2_mlp_out");

                ReferenceQwen2.Result ref = reference.forward(tokens);
                double[] resid = Arrays.copyOfRange(ref.get("blocks.2.hook_resid_post").data(), position * d, (position + 1) * d);
                double squares = 0;
                for (double v : resid) {
                    squares += v * v;
                }
                double rms = Math.sqrt(squares / d + CONFIG.rmsNormEps());
                assertThat(stack.scale()).as(engine + ": ln_final.hook_scale").isCloseTo(rms, within(TOLERANCE));
                float[] norm = checkpoint.readFloats(Qwen2Layout.FINAL_NORM);
                float[] lmHead = checkpoint.readFloats(Qwen2Layout.LM_HEAD);
                // each component written out from the reference: the embedding, each head's z times its d_head
                // columns of o_proj, each MLP output
                List<double[]> expectedComponents = new ArrayList<>();
                expectedComponents.add(Arrays.copyOfRange(ref.get("hook_embed").data(), position * d, (position + 1) * d));
                for (int layer = 0; layer < CONFIG.numLayers(); layer++) {
                    double[] z = ref.get("blocks." + layer + ".attn.hook_z").data();
                    float[] wo = checkpoint.readFloats(Qwen2Layout.layer(layer, "self_attn.o_proj.weight"));
                    for (int head = 0; head < heads; head++) {
                        double[] component = new double[d];
                        for (int c = 0; c < d; c++) {
                            for (int k = 0; k < dh; k++) {
                                component[c] += z[(position * heads + head) * dh + k] * wo[c * heads * dh + head * dh + k];
                            }
                        }
                        expectedComponents.add(component);
                    }
                    expectedComponents.add(Arrays.copyOfRange(ref.get("blocks." + layer + ".hook_mlp_out").data(), position * d, (position + 1) * d));
                }
                double[] attribution = stack.logitAttribution(model.weights(), token);
                double total = 0;
                for (int i = 0; i < attribution.length; i++) {
                    double expected = 0;
                    for (int c = 0; c < d; c++) {
                        expected += expectedComponents.get(i)[c] / rms * norm[c] * lmHead[token * d + c];
                    }
                    assertThat(attribution[i]).as(engine + ": " + stack.labels().get(i)).isCloseTo(expected, within(TOLERANCE));
                    total += attribution[i];
                }
                assertThat(total).as(engine).isCloseTo(ref.logits().data()[position * CONFIG.vocabSize() + token], within(TOLERANCE));
                // a block's heads sum to its attention output's attribution
                double[] byBlock = session.decomposeResid(tokens, -1).logitAttribution(model.weights(), token);
                assertThat(attribution[1] + attribution[2] + attribution[3] + attribution[4]).isCloseTo(byBlock[1], within(TOLERANCE));
            }
        }
    }

    @Test
    void theStackDividesByTheCachedFinalScaleSoAHookThatReplacesItCounts() {
        int token = 42;
        try (HookedModel model = HookedModel.load(dir); Session plain = model.session(); Session doubled = model.session()) {
            int[] tokens = model.toTokens("The capital of France is");
            doubled.hook("ln_final.hook_scale", (scale, ctx) -> scale.mul(2f));
            ResidualStack before = plain.decomposeResid(tokens, -1);
            ResidualStack after = doubled.decomposeResid(tokens, -1);
            assertThat(after.scale()).isCloseTo(2 * before.scale(), within(TOLERANCE));
            double[] halved = after.logitAttribution(model.weights(), token);
            double[] full = before.logitAttribution(model.weights(), token);
            double total = 0;
            for (int i = 0; i < full.length; i++) {
                assertThat(halved[i]).isCloseTo(full[i] / 2, within(TOLERANCE));
                total += halved[i];
            }
            // the components still sum to the logit, now the logit of the forward whose final scale was doubled
            double[] logits = reference.forward(tokens, Map.of(HookPoint.global(HookSite.LN_FINAL_SCALE), t -> t.map(x -> 2 * x))).logits().data();
            assertThat(total).isCloseTo(logits[(tokens.length - 1) * CONFIG.vocabSize() + token], within(TOLERANCE));
        }
    }

    private static void assertClose(NDArray actual, RefTensor expected, String what) {
        assertThat(actual.getShape().getShape()).as(what + " shape").containsExactly(expected.shape());
        float[] values = actual.toFloatArray();
        double[] reference = expected.data();
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            if (Double.isInfinite(reference[i]) && values[i] == reference[i]) {
                continue;
            }
            worst = Math.max(worst, Math.abs(values[i] - reference[i]));
        }
        assertThat(worst).as(what + " max abs difference").isLessThan(TOLERANCE);
    }

}
