package io.interp4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Padding;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parity and hook contract every engine must pass: an engine's test extends this class and
 * implements {@link #provider()}. Tiny random Qwen2 models (tied and untied embeddings, GQA ratios 1,
 * 2 and 7, bf16 and f32 storage) are written to a temporary directory and every forward is compared
 * with {@link ReferenceQwen2} within {@value #TOLERANCE} max-abs, at the logits and at every hook
 * point. Hooks, caching, generation with and without the KV cache, and error messages are checked
 * against the contract of {@link Run}.
 */
public abstract class EngineContractTest {
    /** The largest absolute difference allowed between an engine and the reference. */
    protected static final double TOLERANCE = 1e-4;

    /** The smallest top-1/top-2 logit gap that lets float32 engines agree on greedy tokens. */
    private static final double ARGMAX_MARGIN = 1e-3;

    /** The vocabulary of every test model. */
    protected static final int VOCAB = 257;

    /** A tiny test model: an architecture, a storage type and a seed. */
    protected record Spec(String name, ModelConfig config, DType dtype, long seed) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Heads 2 / KV 2 (no grouping), tied embeddings, float32 storage. */
    protected static final Spec TIED_MHA_F32 = new Spec("tied-mha-f32", ModelConfig.of(VOCAB, 16, 32, 2, 2, 2, true), DType.F32, 1);
    /** Heads 4 / KV 2, untied embeddings, bfloat16 storage. */
    protected static final Spec UNTIED_GQA2_BF16 = new Spec("untied-gqa2-bf16", ModelConfig.of(VOCAB, 32, 64, 2, 4, 2, false), DType.BF16, 2);
    /** Heads 7 / KV 1, tied embeddings, bfloat16 storage. */
    protected static final Spec TIED_GQA7_BF16 = new Spec("tied-gqa7-bf16", ModelConfig.of(VOCAB, 56, 112, 2, 7, 1, true), DType.BF16, 3);
    /** Heads 14 / KV 2 (head_dim 4), untied embeddings, float32 storage. */
    protected static final Spec UNTIED_GQA7_F32 = new Spec("untied-gqa7-f32", ModelConfig.of(VOCAB, 56, 112, 2, 14, 2, false), DType.F32, 4);

    private static final List<Spec> SPECS = List.of(TIED_MHA_F32, UNTIED_GQA2_BF16, TIED_GQA7_BF16, UNTIED_GQA7_F32);
    private static final Spec ABLATION_MODEL = UNTIED_GQA2_BF16;
    private static final Spec STEERED_MODEL = UNTIED_GQA2_BF16;
    private static final int STEERED_TOKENS = 6;

    @TempDir
    static Path models;

    private static Map<String, Path> written;
    private static Map<Path, ReferenceQwen2> references;

    /**
     * Returns the engine under test.
     *
     * @return the provider
     */
    protected abstract EngineProvider provider();

    @BeforeAll
    static void forgetModelsOfPreviousClass() {
        // the temporary directory is per test class; so are the models written into it
        written = new ConcurrentHashMap<>();
        references = new ConcurrentHashMap<>();
    }

    /**
     * Returns the directory of a test model, writing it on first use.
     *
     * @param spec the model
     * @return its directory
     */
    protected static Path modelDir(Spec spec) {
        return written.computeIfAbsent(spec.name(), name -> {
            Path dir = models.resolve(name);
            RandomCheckpoint.write(dir, spec.config(), spec.dtype(), spec.seed());
            return dir;
        });
    }

    /**
     * Returns the reference model of a directory.
     *
     * @param dir the model directory
     * @return the reference
     */
    protected static ReferenceQwen2 reference(Path dir) {
        return references.computeIfAbsent(dir, ReferenceQwen2::load);
    }

    /**
     * Loads a model directory with the engine under test.
     *
     * @param dir the model directory
     * @return the model, to be closed by the caller
     */
    protected Model load(Path dir) {
        return provider().load(Checkpoint.open(dir));
    }

    /**
     * Returns seeded random token ids.
     *
     * @param length how many
     * @param seed the seed
     * @return ids in {@code [0, vocab)}
     */
    protected static int[] randomTokens(int length, long seed) {
        return new Random(seed).ints(length, 0, VOCAB).toArray();
    }

    // ---------------------------------------------------------------------------------------------
    // Interventions (run.intervene): whether an engine runs them as hooks or compiles them, the
    // numbers must equal the reference with the same edit written by hand

    /** An intervention and the same edit as reference overrides. */
    protected record InterventionCase(String name, Intervention intervention, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final int INTERVENED_TOKENS = 7;

    static Stream<InterventionCase> interventionCases() {
        ModelConfig config = UNTIED_GQA2_BF16.config();
        int d = config.hiddenSize();
        Random random = new Random(31);
        float[] vector = new float[d];
        for (int i = 0; i < d; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        int sourceRows = INTERVENED_TOKENS + 2;
        float[] source = new float[sourceRows * d];
        for (int i = 0; i < source.length; i++) {
            source[i] = (float) random.nextGaussian();
        }
        HookPoint pre0 = HookPoint.block(0, HookSite.RESID_PRE);
        HookPoint post0 = HookPoint.block(0, HookSite.RESID_POST);
        RefTensor[] captured = new RefTensor[1];
        return Stream.of(
                new InterventionCase("true skip of block 0 (zero its contribution)",
                        Intervention.zero(Site.parse("blocks.0.contribution"), Positions.ALL),
                        Map.of(pre0, t -> {
                            captured[0] = t;
                            return t;
                        }, post0, t -> captured[0])),
                new InterventionCase("add 3·v at the last position of blocks.1.hook_resid_post",
                        Intervention.add(Site.layerOutput(1), Positions.LAST, 3, TensorData.vector(vector), "test"),
                        Map.of(HookPoint.block(1, HookSite.RESID_POST), t -> editRows(t, 1, new int[] {INTERVENED_TOKENS - 1},
                                (row, i, x) -> x + 3 * vector[i]))),
                new InterventionCase("zero head 3 (KV 1) of blocks.1.attn.hook_z",
                        Intervention.zero(Site.parse("blocks.1.attn.hook_z"), Positions.ALL).withHeads(List.of(3)),
                        Map.of(HookPoint.block(1, HookSite.ATTN_Z), t -> zeroHead(t, 3, allRows(INTERVENED_TOKENS)))),
                new InterventionCase("zero head 2 of blocks.0.attn.hook_result at the last position",
                        Intervention.zero(Site.parse("blocks.0.attn.hook_result"), Positions.LAST).withHeads(List.of(2)),
                        Map.of(HookPoint.block(0, HookSite.ATTN_RESULT), t -> zeroHead(t, 2, new int[] {INTERVENED_TOKENS - 1}))),
                new InterventionCase("scale ln_final.hook_scale by 2 at positions [0, -1]",
                        new Intervention(Operation.SCALE, Site.parse("ln_final.hook_scale"), Positions.of(0, -1), List.of(), 2,
                                Optional.empty(), "test"),
                        Map.of(HookPoint.global(HookSite.LN_FINAL_SCALE), t -> editRows(t, 1, new int[] {0, INTERVENED_TOKENS - 1},
                                (row, i, x) -> 2 * x))),
                new InterventionCase("scale blocks.0.hook_mlp_out by 0.5 at positions [0, -1]",
                        new Intervention(Operation.SCALE, Site.parse("blocks.0.hook_mlp_out"), Positions.of(0, -1), List.of(), 0.5,
                                Optional.empty(), "test"),
                        Map.of(HookPoint.block(0, HookSite.MLP_OUT), t -> editRows(t, 1, new int[] {0, INTERVENED_TOKENS - 1},
                                (row, i, x) -> 0.5 * x))),
                new InterventionCase("replace blocks.0.hook_attn_out at the last position with a longer source's last row",
                        Intervention.replace(Site.parse("blocks.0.hook_attn_out"), Positions.LAST,
                                new TensorData(new long[] {1, sourceRows, d}, source), "test"),
                        Map.of(HookPoint.block(0, HookSite.ATTN_OUT), t -> editRows(t, 1, new int[] {INTERVENED_TOKENS - 1},
                                (row, i, x) -> source[(sourceRows - 1) * d + i]))),
                new InterventionCase("multiply blocks.1.hook_attn_out by a gate zeroing columns 8..15, every position",
                        Intervention.multiply(Site.parse("blocks.1.hook_attn_out"), Positions.ALL, TensorData.vector(gate(d, 8, 16)), "test"),
                        Map.of(HookPoint.block(1, HookSite.ATTN_OUT), t -> editRows(t, 1, allRows(INTERVENED_TOKENS),
                                (row, i, x) -> i >= 8 && i < 16 ? 0 : x))),
                new InterventionCase("zero head 0 of blocks.1.attn.hook_pattern at the last query",
                        Intervention.zero(Site.parse("blocks.1.attn.hook_pattern"), Positions.LAST).withHeads(List.of(0)),
                        Map.of(HookPoint.block(1, HookSite.ATTN_PATTERN), t -> {
                            double[] data = t.data();
                            long[] shape = t.shape();
                            for (int k = 0; k < shape[3]; k++) {
                                data[t.offset(0, 0, shape[2] - 1, k)] = 0;
                            }
                            return new RefTensor(shape, data);
                        })));
    }

    /** Ones with zeros over {@code [from, to)}. */
    private static float[] gate(int size, int from, int to) {
        float[] gate = new float[size];
        Arrays.fill(gate, 1f);
        Arrays.fill(gate, from, to, 0f);
        return gate;
    }

    private static int[] allRows(int count) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** A value-wise edit of chosen rows along one axis of a [1, pos, d] tensor. */
    private interface RowEdit {
        double apply(int row, int index, double value);
    }

    /** Zeroes one head of a {@code [1, pos, head, e]} tensor at some positions. */
    private static RefTensor zeroHead(RefTensor t, int head, int[] positions) {
        double[] data = t.data();
        long[] shape = t.shape();
        for (int p : positions) {
            for (int e = 0; e < shape[3]; e++) {
                data[t.offset(0, p, head, e)] = 0;
            }
        }
        return new RefTensor(shape, data);
    }

    private static RefTensor editRows(RefTensor t, int axis, int[] rows, RowEdit edit) {
        double[] data = t.data();
        long[] shape = t.shape();
        int width = (int) shape[2];
        for (int row : rows) {
            for (int i = 0; i < width; i++) {
                int offset = t.offset(0, row, i);
                data[offset] = edit.apply(row, i, data[offset]);
            }
        }
        return new RefTensor(shape, data);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interventionCases")
    public void interventionsMatchTheReferenceWithTheSameEditByHand(InterventionCase c) {
        Path dir = modelDir(UNTIED_GQA2_BF16);
        int[] tokens = randomTokens(INTERVENED_TOKENS, 17);
        ReferenceQwen2.Result expected = reference(dir).forward(tokens, c.overrides());
        ReferenceQwen2.Result clean = reference(dir).forward(tokens);
        try (Model model = load(dir); Run run = model.newRun()) {
            run.intervene(c.intervention());
            ForwardResult result = run.forward(tokens);
            assertMatches(result, expected, List.of());
            RefTensor cleanLogits = clean.activations().get(HookPoint.global(HookSite.LOGITS));
            float[] logits = result.logits().toFloatArray();
            double moved = 0;
            for (int i = 0; i < logits.length; i++) {
                moved = Math.max(moved, Math.abs(logits[i] - cleanLogits.data()[i]));
            }
            assertThat(moved).as("the intervention must change the logits").isGreaterThan(1e-3);
        }
    }

    @Test
    public void interventionsApplyAlikeWithAndWithoutTheKvCache() {
        Path dir = modelDir(UNTIED_GQA2_BF16);
        int[] prompt = randomTokens(5, 23);
        float[] vector = new float[UNTIED_GQA2_BF16.config().hiddenSize()];
        java.util.Arrays.fill(vector, 2f);
        Intervention steer = Intervention.add(Site.layerOutput(1), Positions.LAST, 4, TensorData.vector(vector), "test");
        try (Model model = load(dir); Run cached = model.newRun(); Run uncached = model.newRun(); Run plain = model.newRun()) {
            cached.intervene(steer);
            uncached.intervene(steer);
            int[] a = cached.generate(prompt, new GenerationOptions(6, true, false)).generated();
            int[] b = uncached.generate(prompt, new GenerationOptions(6, false, false)).generated();
            int[] c = plain.generate(prompt, new GenerationOptions(6, true, false)).generated();
            assertThat(a).containsExactly(b);
            assertThat(a).isNotEqualTo(c);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Observation is not an edit: reading many hook points at once, alone or beside an intervention,
    // gives at every point what the plain forward computes there (an engine that compiles graphs may
    // serve observed points and replaced ones by different graphs; the numbers must not tell)

    /**
     * The largest difference between the values of one forward served by different paths (fused graph
     * with extra outputs, graph cut at every point, plain graph); float32 summation order may differ.
     */
    protected static final double PATH_TOLERANCE = 1e-5;

    @Test
    public void observingEveryPointAtOnceEqualsObservingEachAloneAndLeavesTheLogitsAlone() {
        Path dir = modelDir(UNTIED_GQA7_F32);
        int[] tokens = randomTokens(7, 41);
        try (Model model = load(dir); Run plain = model.newRun(); Run all = model.newRun()) {
            float[] plainLogits = plain.forward(tokens).logits().toFloatArray();
            ForwardResult every = all.cacheAll().forward(tokens);
            List<String> failures = new ArrayList<>();
            compare("logits (every point cached)", every.logits(), plainLogits, failures);
            for (HookPoint point : HookPoint.all(model.config())) {
                try (Run one = model.newRun()) {
                    ForwardResult alone = one.cache(List.of(point)).forward(tokens);
                    assertThat(alone.cache().points()).containsExactly(point);
                    compare(point.name(), every.cache().get(point), alone.cache().get(point).toFloatArray(), failures);
                    compare("logits (" + point.name() + " cached)", alone.logits(), plainLogits, failures);
                }
            }
            assertThat(failures).as("observation changed a value by more than " + PATH_TOLERANCE + " max-abs").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interventionCases")
    public void observationBesideAnInterventionEqualsAForwardReplacingEveryPoint(InterventionCase c) {
        Path dir = modelDir(UNTIED_GQA2_BF16);
        int[] tokens = randomTokens(INTERVENED_TOKENS, 17);
        try (Model model = load(dir); Run observed = model.newRun(); Run replaced = model.newRun()) {
            ForwardResult read = observed.intervene(c.intervention()).cacheAll().forward(tokens);
            // a hook that hands back a copy replaces the value at every point: the forward an engine runs
            // when Java code may change anything, with the intervention applied the same way
            replaced.intervene(c.intervention());
            for (HookPoint point : HookPoint.all(model.config())) {
                replaced.hook(point, (a, ctx) -> a.duplicate());
            }
            ForwardResult copied = replaced.cacheAll().forward(tokens);
            List<String> failures = new ArrayList<>();
            compare("logits", read.logits(), copied.logits().toFloatArray(), failures);
            for (HookPoint point : HookPoint.all(model.config())) {
                compare(point.name(), read.cache().get(point), copied.cache().get(point).toFloatArray(), failures);
            }
            assertThat(failures).as("observation beside " + c + " differs by more than " + PATH_TOLERANCE + " max-abs").isEmpty();
        }
    }

    private static void compare(String what, NDArray actual, float[] expected, List<String> failures) {
        float[] values = actual.toFloatArray();
        if (values.length != expected.length) {
            failures.add(what + ": " + values.length + " values, expected " + expected.length);
            return;
        }
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            worst = Math.max(worst, difference(values[i], expected[i]));
        }
        if (!(worst <= PATH_TOLERANCE)) {
            failures.add(String.format("%s: max-abs difference %.3g", what, worst));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Weight-only quantisation: an engine's quantised logits equal the reference on the dequantised
    // weights (the dequantisation itself is tested by hand in the api)

    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4"})
    public void quantisedLogitsEqualTheReferenceOnDequantisedWeights(Quantization scheme) throws IOException {
        Spec spec = UNTIED_GQA2_BF16;
        int[] tokens = randomTokens(11, 3);
        ReferenceQwen2.Result expected = reference(dequantisedModel(spec, scheme)).forward(tokens);
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                Run run = model.newRun()) {
            assertMatches(run.forward(tokens), expected, List.of());
            assertQuantisationReport(model, scheme, spec);
        }
    }

    /**
     * A model whose projections span several quantisation blocks (K = 128 and 256), for the fast
     * modes' agreement with their dequantised weights.
     */
    protected static final Spec BLOCKS_GQA2_F32 = new Spec("blocks-gqa2-f32", ModelConfig.of(VOCAB, 128, 256, 2, 4, 2, false), DType.F32, 5);

    /**
     * The largest logit difference allowed between a fast mode ({@link Quantization#quantizesActivations()})
     * and the reference on the same dequantised weights, as a fraction of the reference logits' standard
     * deviation: activations quantised to int8 per block of 64 change each product by up to half a step of
     * 1/127 of the block's absmax. Measured on {@link #BLOCKS_GQA2_F32} with ONNX Runtime's int8 kernels:
     * see the README (Quantisation).
     */
    protected static final double FAST_MAX_ABS_OF_STD = 0.25;
    /** The largest mean KL(reference ‖ engine) over positions, in nats, allowed for a fast mode. */
    protected static final double FAST_MEAN_KL = 2e-3;

    /**
     * The double-precision reference on a fast mode's dequantised weights: its projections and its
     * unembedding, which with tied embeddings is a quantised copy of the table (the lookup reads the
     * float32 table).
     */
    protected static ReferenceQwen2 fastReference(Spec spec, Quantization scheme) throws IOException {
        ReferenceQwen2 reference = reference(dequantisedModel(spec, scheme));
        if (!spec.config().tieWordEmbeddings()) {
            return reference;
        }
        try (Checkpoint checkpoint = Checkpoint.open(modelDir(spec))) {
            long[] shape = checkpoint.info(Qwen2Layout.EMBED).shape();
            float[] unembedding = QuantizedWeight.quantize(scheme.unembeddingScheme(), checkpoint.readFloats(Qwen2Layout.EMBED),
                    (int) shape[0], (int) shape[1]).dequantize();
            return reference.withUnembedding(doubles(unembedding));
        }
    }

    /**
     * With tied embeddings the fast modes quantise a copy of the table for the unembedding alone: the
     * embedding lookup reads the float32 table, and the logits stay as near the reference as an untied
     * model's do.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    public void fastModesQuantiseATiedUnembeddingAndLeaveTheLookupAlone(Quantization scheme) throws IOException {
        Spec spec = TIED_GQA7_BF16;
        ReferenceQwen2 reference = fastReference(spec, scheme);
        HookPoint embed = HookPoint.global(HookSite.EMBED);
        int[] tokens = randomTokens(9, 91);
        ReferenceQwen2.Result expected = reference.forward(tokens);
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                Run run = model.newRun()) {
            assertQuantisationReport(model, scheme, spec);
            ForwardResult result = run.cache(List.of(embed)).forward(tokens);
            assertThat(maxAbs(expected.get(embed).data(), result.cache().get(embed).toFloatArray())).as("the lookup's float32 table")
                    .isLessThanOrEqualTo(TOLERANCE);
            double[] agreement = agreement(expected.logits().data(), result.logits().toFloatArray(), VOCAB);
            result.logits().close();
            assertThat(agreement[0] / agreement[1]).as("%s: logit max-abs / std", scheme).isLessThanOrEqualTo(FAST_MAX_ABS_OF_STD);
            assertThat(agreement[2]).as("%s: mean KL(reference ‖ engine)", scheme).isLessThanOrEqualTo(FAST_MEAN_KL);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    public void fastModesStayNearTheReferenceOnDequantisedWeights(Quantization scheme) throws IOException {
        Spec spec = BLOCKS_GQA2_F32;
        ReferenceQwen2 reference = reference(dequantisedModel(spec, scheme));
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(scheme));
                Run run = model.newRun()) {
            assertQuantisationReport(model, scheme, spec);
            for (long seed = 1; seed <= 3; seed++) {
                int[] tokens = randomTokens(9, 100 + seed);
                RefTensor expected = reference.forward(tokens).logits();
                ForwardResult result = run.forward(tokens);
                float[] actual = result.logits().toFloatArray();
                result.logits().close();
                double[] agreement = agreement(expected.data(), actual, VOCAB);
                System.out.printf(java.util.Locale.ROOT, "%s %s prompt %d: logit max-abs %.3g = %.3g of the logits' std, mean KL %.3g nats%n",
                        provider().id(), scheme.configName(), seed, agreement[0], agreement[0] / agreement[1], agreement[2]);
                assertThat(agreement[0] / agreement[1]).as("%s prompt %d: logit max-abs / std", scheme, seed).isLessThanOrEqualTo(FAST_MAX_ABS_OF_STD);
                assertThat(agreement[2]).as("%s prompt %d: mean KL(reference ‖ engine)", scheme, seed).isLessThanOrEqualTo(FAST_MEAN_KL);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // LLM.int8 (llm-int8): the engines' mixed-precision products against the double-precision
    // ReferenceLlmInt8, on a hand-sized projection and on a whole model with outliers planted

    /** One block, d_model 4, d_mlp 5: down_proj is a 4 × 5 weight, small enough to follow by hand. */
    protected static final Spec LINEAR_MHA_F32 = new Spec("linear-mha-f32", ModelConfig.of(VOCAB, 4, 5, 1, 2, 2, true), DType.F32, 6);

    /**
     * The largest difference allowed between an engine's LLM.int8 projection (float32) and the
     * double-precision reference: float32 rounding of outputs of order 0.1.
     */
    protected static final double LLM_INT8_TOLERANCE = 1e-5;

    /**
     * down_proj's two input rows: row 0 reaches the threshold in column 1 (−7), so column 1 is an
     * outlier column in both rows; row 1's largest value (3) is in that column and under the threshold,
     * so it sets row 1's absmax as in bitsandbytes (excluding the whole column would give 2.5).
     */
    private static final float[] LLM_INT8_INPUT = {0.5f, -7f, 1.2f, 0.3f, -0.8f, 1f, 3f, -2.5f, 0.7f, 0.4f};

    @Test
    public void llmInt8ProjectionMatchesTheDoublePrecisionReference() {
        Spec spec = LINEAR_MHA_F32;
        int d = spec.config().hiddenSize();
        int m = spec.config().intermediateSize();
        float[] down = downProj(spec);
        double[] x = doubles(LLM_INT8_INPUT);
        assertThat(ReferenceLlmInt8.outlierColumns(x, 2, m, ReferenceLlmInt8.THRESHOLD)).containsExactly(false, true, false, false, false);
        assertNoRoundingTies(down, d, m);
        double[] expected = ReferenceLlmInt8.product(x, 2, m, down, null, d, ReferenceLlmInt8.THRESHOLD);
        double[] undecomposed = ReferenceLlmInt8.product(x, 2, m, down, null, d, Double.POSITIVE_INFINITY);
        HookPoint post = HookPoint.block(0, HookSite.MLP_POST);
        HookPoint out = HookPoint.block(0, HookSite.MLP_OUT);
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(Quantization.LLM_INT8));
                Run run = model.newRun()) {
            run.hook(post, (a, ctx) -> a.getManager().create(LLM_INT8_INPUT, new Shape(1, 2, m)));
            ForwardResult result = run.cache(List.of(out)).forward(randomTokens(2, 61));
            float[] actual = result.cache().get(out).toFloatArray();
            result.logits().close();
            System.out.printf(java.util.Locale.ROOT, "%s llm-int8 4x5 projection: max-abs %.3g from the reference, %.3g from the product without outlier columns%n",
                    provider().id(), maxAbs(expected, actual), maxAbs(undecomposed, actual));
            assertThat(maxAbs(expected, actual)).as("LLM.int8 down_proj against the reference").isLessThanOrEqualTo(LLM_INT8_TOLERANCE);
            assertThat(maxAbs(undecomposed, actual)).as("the outlier column changes the product").isGreaterThan(100 * LLM_INT8_TOLERANCE);
        }
    }

    /**
     * down_proj's input in a left-padded batch of two sequences, {@code [2, 2, 5]}: sequence A is row 0's
     * two positions ({@link #LLM_INT8_INPUT}: outlier column 1); sequence B is row 1's last position, no
     * value over 2.2; row 1's first position is padding and reaches the threshold in column 2 (8).
     */
    private static final float[] LLM_INT8_BATCH = {0.5f, -7f, 1.2f, 0.3f, -0.8f, 1f, 3f, -2.5f, 0.7f, 0.4f,
        0.2f, 0.1f, 8f, -0.3f, 0.6f, 0.9f, -1.5f, 2.2f, 0.4f, -0.6f};

    /**
     * LLM.int8 in a padded batch chooses each sequence's outlier columns over its own real positions:
     * A's product is the reference's on A's two rows (column 1 in float), B's on B's one row (no outlier
     * column, every column quantised), although A's column 1 and the pad's column 2 reach the threshold
     * in the same call. Choosing the columns over the whole call, pad included, would take column 2 in
     * float in A and columns 1 and 2 in float in B (checked on the reference: far from both).
     */
    @Test
    public void llmInt8ChoosesEachSequencesOutlierColumnsAsTheReferenceDoesItAlone() {
        Spec spec = LINEAR_MHA_F32;
        int d = spec.config().hiddenSize();
        int m = spec.config().intermediateSize();
        float[] down = downProj(spec);
        double[] all = doubles(LLM_INT8_BATCH);
        double[] a = Arrays.copyOfRange(all, 0, 2 * m);
        double[] b = Arrays.copyOfRange(all, 3 * m, 4 * m);
        assertThat(ReferenceLlmInt8.outlierColumns(a, 2, m, ReferenceLlmInt8.THRESHOLD)).containsExactly(false, true, false, false, false);
        assertThat(ReferenceLlmInt8.outlierColumns(b, 1, m, ReferenceLlmInt8.THRESHOLD)).containsExactly(false, false, false, false, false);
        assertThat(ReferenceLlmInt8.outlierColumns(all, 4, m, ReferenceLlmInt8.THRESHOLD)).containsExactly(false, true, true, false, false);
        assertNoRoundingTies(down, d, m);
        double[] expectedA = ReferenceLlmInt8.product(a, 2, m, down, null, d, ReferenceLlmInt8.THRESHOLD);
        double[] expectedB = ReferenceLlmInt8.product(b, 1, m, down, null, d, ReferenceLlmInt8.THRESHOLD);
        double[] mixed = ReferenceLlmInt8.product(all, 4, m, down, null, d, ReferenceLlmInt8.THRESHOLD);
        assertThat(maxAbs(expectedA, Arrays.copyOfRange(mixed, 0, 2 * d))).as("test fixture: the pad's column changes A's product")
                .isGreaterThan(100 * LLM_INT8_TOLERANCE);
        assertThat(maxAbs(expectedB, Arrays.copyOfRange(mixed, 3 * d, 4 * d))).as("test fixture: the other columns change B's product")
                .isGreaterThan(100 * LLM_INT8_TOLERANCE);
        HookPoint post = HookPoint.block(0, HookSite.MLP_POST);
        HookPoint out = HookPoint.block(0, HookSite.MLP_OUT);
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(Quantization.LLM_INT8));
                Run run = model.newRun()) {
            run.hook(post, (x, ctx) -> x.getManager().create(LLM_INT8_BATCH, new Shape(2, 2, m)));
            ForwardResult result = run.cache(List.of(out)).forward(ForwardInput.of(randomTokens(2, 62), randomTokens(1, 63))
                    .withPadding(Padding.LEFT));
            assertThat(result.layout().offsets()).containsExactly(0, 1);
            float[] actual = result.cache().get(out).toFloatArray();
            result.logits().close();
            assertThat(maxAbs(expectedA, Arrays.copyOfRange(actual, 0, 2 * d))).as("LLM.int8 down_proj, sequence A, against the reference")
                    .isLessThanOrEqualTo(LLM_INT8_TOLERANCE);
            assertThat(maxAbs(expectedB, Arrays.copyOfRange(actual, 3 * d, 4 * d))).as("LLM.int8 down_proj, sequence B, against the reference")
                    .isLessThanOrEqualTo(LLM_INT8_TOLERANCE);
        }
    }

    /** Block 0's down_proj weight {@code [d_model, d_mlp]} as the checkpoint stores it. */
    private static float[] downProj(Spec spec) {
        try (Checkpoint checkpoint = Checkpoint.open(modelDir(spec))) {
            return checkpoint.readFloats(Qwen2Layout.layer(0, "mlp.down_proj.weight"));
        }
    }

    private static double[] doubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** The test fixture's weight codes are not within float rounding of a tie, so float32 and double agree on them. */
    private static void assertNoRoundingTies(float[] weight, int out, int in) {
        for (int o = 0; o < out; o++) {
            double absmax = 0;
            for (int c = 0; c < in; c++) {
                absmax = Math.max(absmax, Math.abs(weight[o * in + c]));
            }
            for (int c = 0; c < in; c++) {
                double scaled = Math.abs(weight[o * in + c] * 127.0 / absmax);
                assertThat(Math.abs(scaled - Math.floor(scaled) - 0.5)).as("test fixture: weight code not at a tie").isGreaterThan(1e-4);
            }
        }
    }

    /** Points where the whole-model LLM.int8 test plants one value of 9 (position 3, the given flat channel). */
    private static final Map<String, Integer> LLM_INT8_SPIKES = Map.of(
            "blocks.0.ln1.hook_normalized", 5,
            "blocks.0.attn.hook_z", 9,
            "blocks.1.ln2.hook_normalized", 17,
            "blocks.1.mlp.hook_post", 40);
    private static final int LLM_INT8_SPIKE_POSITION = 3;
    private static final float LLM_INT8_SPIKE = 9f;

    @Test
    public void llmInt8ForwardMatchesTheReferenceAtEveryHookPoint() throws IOException {
        Spec spec = UNTIED_GQA2_BF16;
        int[] tokens = randomTokens(9, 71);
        ReferenceQwen2 dequantised = reference(dequantisedModel(spec, Quantization.LLM_INT8));
        Map<HookPoint, UnaryOperator<RefTensor>> overrides = new java.util.HashMap<>();
        LLM_INT8_SPIKES.forEach((point, channel) -> overrides.put(HookPoint.parse(point), t -> {
            double[] data = t.data().clone();
            data[LLM_INT8_SPIKE_POSITION * (data.length / tokens.length) + channel] += LLM_INT8_SPIKE;
            return new RefTensor(t.shape(), data);
        }));
        ReferenceQwen2.Result expected = dequantised.withLlmInt8Activations().forward(tokens, overrides);
        double activationEffect = maxAbs(expected.logits().data(), dequantised.forward(tokens, overrides).logits().data());
        assertThat(activationEffect).as("test fixture: LLM.int8's activation side changes the logits").isGreaterThan(100 * TOLERANCE);
        try (Model model = provider().load(Checkpoint.open(modelDir(spec)), LoadOptions.defaults().withQuantization(Quantization.LLM_INT8))) {
            assertQuantisationReport(model, Quantization.LLM_INT8, spec);
            try (Run run = model.newRun()) {
                plantSpikes(run, tokens.length);
                assertMatches(run.forward(tokens), expected, List.of());
            }
            // every hook point observed: o_proj also runs per head (attn.hook_result), from the same quantised z
            try (Run run = model.newRun()) {
                plantSpikes(run, tokens.length);
                assertMatches(run.cacheAll().forward(tokens), expected, HookPoint.all(model.config()));
            }
        }
    }

    private static void plantSpikes(Run run, int positions) {
        LLM_INT8_SPIKES.forEach((point, channel) -> run.hook(HookPoint.parse(point), (a, ctx) -> {
            float[] spike = new float[Math.toIntExact(a.getShape().size())];
            spike[LLM_INT8_SPIKE_POSITION * (spike.length / positions) + channel] = LLM_INT8_SPIKE;
            return a.add(a.getManager().create(spike, a.getShape()));
        }));
    }

    /**
     * Compares logits row by row of {@code vocab}, in double precision.
     *
     * @return {max |engine − reference|, standard deviation of the reference logits, mean over rows of
     *     KL(softmax(reference) ‖ softmax(engine)) in nats}
     */
    static double[] agreement(double[] reference, float[] engine, int vocab) {
        assertThat(engine).hasSameSizeAs(reference);
        double maxAbs = 0;
        double sum = 0;
        double sumSquares = 0;
        double kl = 0;
        int rows = reference.length / vocab;
        for (int r = 0; r < rows; r++) {
            double[] p = logSoftmax(r * vocab, vocab, i -> reference[i]);
            double[] q = logSoftmax(r * vocab, vocab, i -> engine[i]);
            for (int i = 0; i < vocab; i++) {
                int at = r * vocab + i;
                maxAbs = Math.max(maxAbs, Math.abs(engine[at] - reference[at]));
                sum += reference[at];
                sumSquares += reference[at] * reference[at];
                kl += Math.exp(p[i]) * (p[i] - q[i]);
            }
        }
        double mean = sum / reference.length;
        return new double[] {maxAbs, Math.sqrt(sumSquares / reference.length - mean * mean), kl / rows};
    }

    private static double[] logSoftmax(int from, int length, java.util.function.IntToDoubleFunction value) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, value.applyAsDouble(from + i));
        }
        double sum = 0;
        for (int i = 0; i < length; i++) {
            sum += Math.exp(value.applyAsDouble(from + i) - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            out[i] = value.applyAsDouble(from + i) - log;
        }
        return out;
    }

    /**
     * Writes (once) a float32 copy of a test model whose projections, and under the fast modes its
     * unembedding ({@link Quantization#unembeddingScheme()}), are replaced by their dequantised values.
     * A model with tied embeddings cannot hold a quantised unembedding beside its float32 embedding: its
     * table stays float32 here, and {@link #fastReference} gives the reference its unembedding.
     */
    protected static Path dequantisedModel(Spec spec, Quantization scheme) throws IOException {
        Path base = modelDir(spec);
        Path dequantised = models.resolve(spec.name() + "-" + scheme.configName());
        if (!Files.isDirectory(dequantised)) {
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            try (Checkpoint checkpoint = Checkpoint.open(base)) {
                for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(checkpoint.config()).entrySet()) {
                    float[] values = checkpoint.readFloats(e.getKey());
                    // a tied table stays float32 here (fastReference gives the reference its quantised unembedding)
                    Quantization as = e.getKey().equals(Qwen2Layout.EMBED) ? Quantization.NONE : scheme.schemeFor(e.getKey(), checkpoint.config());
                    float[] stored = as != Quantization.NONE
                            ? QuantizedWeight.quantize(as, values, (int) e.getValue()[0], (int) e.getValue()[1]).dequantize()
                            : values;
                    entries.add(new SafetensorsWriter.Entry(e.getKey(), DType.F32, e.getValue(), () -> stored));
                }
            }
            Files.createDirectories(dequantised);
            Files.copy(base.resolve("config.json"), dequantised.resolve("config.json"));
            SafetensorsWriter.write(dequantised.resolve("model.safetensors"), entries, Map.of("format", "pt"));
        }
        return dequantised;
    }

    private static void assertQuantisationReport(Model model, Quantization scheme, Spec spec) {
        assertThat(model.quantization()).hasValueSatisfying(report -> {
            assertThat(report.scheme()).isEqualTo(scheme);
            assertThat(report.weights()).as("the projections, and the unembedding under the fast modes")
                    .isEqualTo(7 * spec.config().numLayers() + (scheme.unembeddingScheme() == Quantization.NONE ? 0 : 1));
            assertThat(report.rmsError()).isPositive().isLessThan(report.rmsWeight());
        });
    }

    // ---------------------------------------------------------------------------------------------
    // LoRA adapters

    private static final List<String> ADAPTED = List.of("self_attn.q_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj");

    /**
     * Writes a PEFT adapter (rank 2, alpha 6) for every block's {@link #ADAPTED} modules, with seeded
     * Gaussian A and B, and beside it a plain checkpoint whose weights are the base weights merged in
     * double precision ({@code W + (alpha/r)·B·A}), computed here and not by the engine.
     *
     * @return the adapter directory and the merged model directory
     */
    private static Path[] adapterAndMergedModel(Spec spec) throws IOException {
        Path base = modelDir(spec);
        Path adapter = models.resolve(spec.name() + "-adapter");
        Path merged = models.resolve(spec.name() + "-merged");
        if (Files.isDirectory(merged)) {
            return new Path[] {adapter, merged};
        }
        int rank = 2;
        double alpha = 6;
        Random random = new Random(77);
        Map<String, float[][]> lora = new java.util.LinkedHashMap<>();
        List<SafetensorsWriter.Entry> loraEntries = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(base)) {
            ModelConfig config = checkpoint.config();
            for (int layer = 0; layer < config.numLayers(); layer++) {
                for (String module : ADAPTED) {
                    long[] shape = checkpoint.info(Qwen2Layout.layer(layer, module + ".weight")).shape();
                    float[] a = new float[(int) (rank * shape[1])];
                    float[] b = new float[(int) (shape[0] * rank)];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) (0.3 * random.nextGaussian());
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (float) (0.3 * random.nextGaussian());
                    }
                    String prefix = "base_model.model.model.layers." + layer + "." + module;
                    loraEntries.add(new SafetensorsWriter.Entry(prefix + ".lora_A.weight", DType.F32, new long[] {rank, shape[1]}, () -> a));
                    loraEntries.add(new SafetensorsWriter.Entry(prefix + ".lora_B.weight", DType.F32, new long[] {shape[0], rank}, () -> b));
                    lora.put(Qwen2Layout.layer(layer, module + ".weight"), new float[][] {a, b});
                }
            }
            Files.createDirectories(adapter);
            Files.writeString(adapter.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": " + rank
                    + ", \"lora_alpha\": " + alpha + ", \"target_modules\": [\"q_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"down_proj\"]}");
            SafetensorsWriter.write(adapter.resolve("adapter_model.safetensors"), loraEntries, Map.of("format", "pt"));

            List<SafetensorsWriter.Entry> mergedEntries = new ArrayList<>();
            for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(config).entrySet()) {
                String name = e.getKey();
                long[] shape = e.getValue();
                float[] weights = checkpoint.readFloats(name);
                float[][] ab = lora.get(name);
                if (ab != null) {
                    int out = (int) shape[0];
                    int in = (int) shape[1];
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            double delta = 0;
                            for (int r = 0; r < rank; r++) {
                                delta += (double) ab[1][o * rank + r] * ab[0][r * in + i];
                            }
                            weights[o * in + i] = (float) (weights[o * in + i] + alpha / rank * delta);
                        }
                    }
                }
                float[] values = weights;
                mergedEntries.add(new SafetensorsWriter.Entry(name, DType.F32, shape, () -> values));
            }
            Files.createDirectories(merged);
            Files.copy(base.resolve("config.json"), merged.resolve("config.json"));
            SafetensorsWriter.write(merged.resolve("model.safetensors"), mergedEntries, Map.of("format", "pt"));
        }
        return new Path[] {adapter, merged};
    }

    @Test
    public void loraAdapterEqualsTheReferenceWithMergedWeightsAndLeavesTheBaseAlone() throws IOException {
        Path base = modelDir(UNTIED_GQA2_BF16);
        Path[] dirs = adapterAndMergedModel(UNTIED_GQA2_BF16);
        int[] tokens = randomTokens(9, 5);
        ReferenceQwen2.Result merged = reference(dirs[1]).forward(tokens);
        ReferenceQwen2.Result plain = reference(base).forward(tokens);
        try (Model adapted = provider().load(Checkpoint.open(base), LoadOptions.withAdapter(dirs[0]));
                Model baseModel = load(base);
                Run adaptedRun = adapted.newRun();
                Run baseRun = baseModel.newRun()) {
            assertThat(adapted.adapter()).contains(dirs[0]);
            assertThat(baseModel.adapter()).isEmpty();
            List<HookPoint> all = HookPoint.all(adapted.config());
            assertMatches(adaptedRun.cacheAll().forward(tokens), merged, all);
            ForwardResult baseResult = baseRun.cacheAll().forward(tokens);
            assertMatches(baseResult, plain, all);
            RefTensor mergedLogits = merged.activations().get(HookPoint.global(HookSite.LOGITS));
            float[] baseLogits = baseResult.logits().toFloatArray();
            double difference = 0;
            for (int i = 0; i < baseLogits.length; i++) {
                difference = Math.max(difference, Math.abs(baseLogits[i] - mergedLogits.data()[i]));
            }
            assertThat(difference).as("the adapter must change the logits").isGreaterThan(1e-2);
        }
    }

    @Test
    public void anAdapterThatDoesNotFitIsRefusedNamingTheModule() throws IOException {
        Path[] dirs = adapterAndMergedModel(UNTIED_GQA2_BF16);
        Path other = modelDir(TIED_MHA_F32);
        assertThatThrownBy(() -> provider().load(Checkpoint.open(other), LoadOptions.withAdapter(dirs[0])).close())
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("does not fit")
                .hasMessageContaining("self_attn.q_proj");
    }

    // ---------------------------------------------------------------------------------------------
    // Parity

    /** A parity case: a model and a sequence length. */
    protected record ParityCase(Spec spec, int length) {
        @Override
        public String toString() {
            return spec.name() + ", " + length + " tokens";
        }
    }

    static Stream<ParityCase> parityCases() {
        return SPECS.stream().flatMap(spec -> Stream.of(1, 7, 65).map(length -> new ParityCase(spec, length)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parityCases")
    public void forwardMatchesReferenceAtLogitsAndEveryHookPoint(ParityCase c) {
        Path dir = modelDir(c.spec());
        int[] tokens = randomTokens(c.length(), 100 + c.length());
        ReferenceQwen2.Result expected = reference(dir).forward(tokens);
        try (Model model = load(dir); Run run = model.newRun()) {
            ForwardResult result = run.cacheAll().forward(tokens);
            List<HookPoint> all = HookPoint.all(model.config());
            assertThat(result.cache().points()).containsExactlyElementsOf(all);
            assertMatches(result, expected, all);
        }
    }

    @Test
    public void modelDescribesItself() {
        Path dir = modelDir(UNTIED_GQA2_BF16);
        try (Model model = load(dir)) {
            assertThat(model.engineId()).isEqualTo(provider().id());
            assertThat(model.config()).isEqualTo(reference(dir).config());
            assertThat(model.hookPoints()).containsExactlyElementsOf(HookPoint.all(model.config()));
            assertThat(model.directory()).isEqualTo(dir);
            assertThat(model.tokenizer()).isPresent();
        }
    }

    @Test
    public void batchedForwardMatchesEachSequence() {
        Path dir = modelDir(UNTIED_GQA2_BF16);
        int[][] tokens = {randomTokens(7, 21), randomTokens(7, 22)};
        List<HookPoint> points = List.of(HookPoint.block(0, HookSite.ATTN_PATTERN), HookPoint.block(1, HookSite.ATTN_Z),
                HookPoint.block(1, HookSite.RESID_POST), HookPoint.global(HookSite.LOGITS));
        try (Model model = load(dir); Run run = model.newRun()) {
            ForwardResult result = run.cache(points).forward(tokens);
            assertThat(result.logits().getShape().getShape()).containsExactly(2, 7, VOCAB);
            List<String> failures = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                ReferenceQwen2.Result expected = reference(dir).forward(tokens[b]);
                check("logits, batch row " + b, row(result.logits(), b), expected.logits(), failures);
                for (HookPoint point : points) {
                    check(point.name() + ", batch row " + b, row(result.cache().get(point), b), expected.get(point), failures);
                }
            }
            assertThat(failures).as("engine differs from the reference").isEmpty();
        }
    }

    /** Returns batch row {@code b} of an array as a {@code [1, ...]} engine-side value. */
    private static Actual row(NDArray array, int b) {
        long[] shape = array.getShape().getShape();
        float[] values = array.toFloatArray();
        int per = values.length / (int) shape[0];
        long[] rowShape = shape.clone();
        rowShape[0] = 1;
        return new Actual(rowShape, Arrays.copyOfRange(values, b * per, (b + 1) * per));
    }

    // ---------------------------------------------------------------------------------------------
    // Hooks

    /** Interventions applied by hand in the engine and in the reference. */
    protected enum Ablation {
        /** Zero the first block's attention output. */
        ZERO_ATTN_OUT("blocks.0.hook_attn_out"),
        /** Zero the last block's MLP output. */
        ZERO_MLP_OUT("blocks.1.hook_mlp_out"),
        /** Zero query head 1 of the last block's per-head output. */
        ZERO_HEAD_1_Z("blocks.1.attn.hook_z"),
        /** Zero head 1 of the last block's per-head output after o_proj: attn_out becomes the other heads' sum. */
        ZERO_HEAD_1_RESULT("blocks.1.attn.hook_result"),
        /** Double the last block's input-norm scale: its attention reads half the normalised stream. */
        DOUBLE_LN1_SCALE("blocks.1.ln1.hook_scale"),
        /** Double the first block's post-attention norm scale. */
        DOUBLE_LN2_SCALE("blocks.0.ln2.hook_scale"),
        /** Double the final norm's scale: the logits halve. */
        DOUBLE_LN_FINAL_SCALE("ln_final.hook_scale");

        private final String point;

        Ablation(String point) {
            this.point = point;
        }

        HookPoint point() {
            return HookPoint.parse(point);
        }

        private boolean perHead() {
            return this == ZERO_HEAD_1_Z || this == ZERO_HEAD_1_RESULT;
        }

        private boolean doubling() {
            return this == DOUBLE_LN1_SCALE || this == DOUBLE_LN2_SCALE || this == DOUBLE_LN_FINAL_SCALE;
        }

        Hook engineHook(ModelConfig config) {
            if (doubling()) {
                return (a, ctx) -> a.mul(2f);
            }
            if (!perHead()) {
                return (a, ctx) -> a.zerosLike();
            }
            float[] mask = new float[config.numHeads()];
            Arrays.fill(mask, 1);
            mask[1] = 0;
            return (a, ctx) -> a.mul(a.getManager().create(mask, new Shape(1, 1, config.numHeads(), 1)));
        }

        UnaryOperator<RefTensor> referenceOverride() {
            if (doubling()) {
                return t -> t.map(x -> 2 * x);
            }
            if (!perHead()) {
                return RefTensor::zerosLike;
            }
            return t -> {
                double[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    if (t.index(i)[2] == 1) {
                        d[i] = 0;
                    }
                }
                return new RefTensor(t.shape(), d);
            };
        }
    }

    @ParameterizedTest
    @EnumSource(Ablation.class)
    public void ablationHookMatchesReferenceWithTheSameOverride(Ablation ablation) {
        Path dir = modelDir(ABLATION_MODEL);
        int[] tokens = ablationTokens();
        ReferenceQwen2.Result expected = expectedAblation(ablation);
        try (Model model = load(dir); Run run = model.newRun()) {
            run.hook(ablation.point(), ablation.engineHook(model.config()));
            assertMatches(run.cacheAll().forward(tokens), expected, HookPoint.all(model.config()));
        }
    }

    static int[] ablationTokens() {
        return randomTokens(7, 31);
    }

    /** The reference forward with an ablation applied, checked to change the logits. */
    static ReferenceQwen2.Result expectedAblation(Ablation ablation) {
        ReferenceQwen2 reference = reference(modelDir(ABLATION_MODEL));
        int[] tokens = ablationTokens();
        ReferenceQwen2.Result expected = reference.forward(tokens, Map.of(ablation.point(), ablation.referenceOverride()));
        double effect = maxAbs(expected.logits().data(), reference.forward(tokens).logits().data());
        assertThat(effect).as("test fixture: " + ablation + " changes the logits").isGreaterThan(1e-2);
        return expected;
    }

    @Test
    public void hooksAtOnePointRunInTheOrderAdded() {
        Path dir = modelDir(TIED_MHA_F32);
        int[] tokens = randomTokens(5, 32);
        HookPoint point = HookPoint.block(0, HookSite.RESID_MID);
        ReferenceQwen2.Result expected = reference(dir).forward(tokens, Map.of(point, t -> t.map(x -> (x + 1) * 2)));
        try (Model model = load(dir); Run run = model.newRun()) {
            run.hook(point, (a, ctx) -> a.add(1f)).hook(point, (a, ctx) -> a.mul(2f));
            assertMatches(run.cacheAll().forward(tokens), expected, HookPoint.all(model.config()));
        }
    }

    @Test
    public void hooksAreScopedToTheirRun() {
        Path dir = modelDir(TIED_MHA_F32);
        int[] tokens = randomTokens(5, 33);
        try (Model model = load(dir)) {
            try (Run hooked = model.newRun()) {
                hooked.hook("blocks.0.hook_attn_out", (a, ctx) -> a.zerosLike()).forward(tokens);
            }
            try (Run plain = model.newRun()) {
                assertMatches(plain.forward(tokens), reference(dir).forward(tokens), List.of());
            }
        }
    }

    @Test
    public void wrongShapedHookResultFailsNamingTheHookPoint() {
        Path dir = modelDir(TIED_MHA_F32);
        try (Model model = load(dir); Run run = model.newRun()) {
            run.hook("blocks.1.hook_resid_post", (a, ctx) -> a.getManager().zeros(new Shape(1, 1)));
            assertThatThrownBy(() -> run.forward(randomTokens(4, 34)))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("blocks.1.hook_resid_post");
        }
    }

    @Test
    public void outOfRangeHookLayerIsRejectedByName() {
        Path dir = modelDir(TIED_MHA_F32);
        HookPoint missing = HookPoint.parse("blocks.99.hook_resid_pre");
        int[] tokens = randomTokens(3, 35);
        try (Model model = load(dir); Run run = model.newRun()) {
            assertThatThrownBy(() -> {
                run.hook(missing, (a, ctx) -> a);
                run.forward(tokens);
            }).isInstanceOf(Interp4jException.class).hasMessageContaining("blocks.99.hook_resid_pre");
        }
        try (Model model = load(dir); Run run = model.newRun()) {
            assertThatThrownBy(() -> {
                run.cache(List.of(missing));
                run.forward(tokens);
            }).isInstanceOf(Interp4jException.class).hasMessageContaining("blocks.99.hook_resid_pre");
        }
    }

    @Test
    public void onlyRequestedHookPointsAreCached() {
        Path dir = modelDir(UNTIED_GQA7_F32);
        int[] tokens = randomTokens(6, 36);
        List<HookPoint> requested = List.of(HookPoint.block(1, HookSite.ATTN_PATTERN), HookPoint.global(HookSite.LN_FINAL_NORMALIZED));
        try (Model model = load(dir); Run run = model.newRun()) {
            ForwardResult result = run.cache(requested).forward(tokens);
            assertThat(result.cache().points()).containsExactlyInAnyOrderElementsOf(requested);
            assertMatches(result, reference(dir).forward(tokens), requested);
            assertThatThrownBy(() -> result.cache().get("blocks.0.hook_resid_pre"))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("blocks.0.hook_resid_pre");
            // requests stay for every forward of the run
            int[] other = randomTokens(3, 37);
            ForwardResult second = run.forward(other);
            assertThat(second.cache().points()).containsExactlyInAnyOrderElementsOf(requested);
            assertMatches(second, reference(dir).forward(other), requested);
        }
    }

    @Test
    public void modelWithoutTokenizerRunsFromTokenIds() throws IOException {
        Path dir = models.resolve("no-tokenizer");
        if (!Files.isDirectory(dir)) {
            RandomCheckpoint.write(dir, TIED_MHA_F32.config(), DType.F32, 5);
            Files.delete(dir.resolve(Checkpoint.TOKENIZER_FILE));
        }
        int[] tokens = randomTokens(4, 38);
        try (Model model = load(dir); Run run = model.newRun()) {
            assertThat(model.tokenizer()).isEmpty();
            assertThatThrownBy(model::requireTokenizer)
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("tokenizer.json");
            assertMatches(run.forward(tokens), reference(dir).forward(tokens), List.of());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Generation

    static Stream<Object[]> generationCases() {
        return Stream.of(
                new Object[] {UNTIED_GQA2_BF16, 6, 12},
                new Object[] {TIED_GQA7_BF16, 3, 8},
                new Object[] {UNTIED_GQA7_F32, 60, 8});
    }

    @ParameterizedTest(name = "{0}, prompt {1}, {2} new tokens")
    @MethodSource("generationCases")
    public void greedyGenerationWithAndWithoutKvCacheMatchesReference(Spec spec, int promptLength, int newTokens) {
        int[] prompt = generationPrompt(promptLength);
        int[] expected = expectedGeneration(spec, prompt, newTokens, Map.of());
        try (Model model = load(modelDir(spec)); Run run = model.newRun()) {
            Generation cached = run.generate(prompt, new GenerationOptions(newTokens, true, false));
            Generation uncached = run.generate(prompt, new GenerationOptions(newTokens, false, false));
            assertThat(cached.prompt()).containsExactly(prompt);
            assertThat(cached.generated()).as("with KV cache").containsExactly(expected);
            assertThat(uncached.generated()).as("without KV cache").containsExactly(expected);
        }
    }

    static int[] generationPrompt(int length) {
        return randomTokens(length, 40 + length);
    }

    @Test
    public void hooksApplyAtEveryGenerationStep() {
        Spec spec = STEERED_MODEL;
        float[] steering = steeringVector();
        int[] expected = expectedSteeredGeneration();
        try (Model model = load(modelDir(spec)); Run run = model.newRun()) {
            run.hook(steeringPoint(), (a, ctx) -> a.add(a.getManager().create(steering)));
            int[] cached = run.generate(steeringPrompt(), new GenerationOptions(STEERED_TOKENS, true, false)).generated();
            int[] uncached = run.generate(steeringPrompt(), new GenerationOptions(STEERED_TOKENS, false, false)).generated();
            assertThat(cached).as("with KV cache").containsExactly(expected);
            assertThat(uncached).as("without KV cache").containsExactly(expected);
        }
    }

    @Test
    public void aHookOnOneHeadsResultSteersGenerationWithAndWithoutTheKvCache() {
        ModelConfig config = STEERED_MODEL.config();
        int d = config.hiddenSize();
        int heads = config.numHeads();
        float[] steering = steeringVector();
        HookPoint point = HookPoint.block(config.numLayers() - 1, HookSite.ATTN_RESULT);
        // four times the steering vector added to head 0's output only (a clear top-1 at every step):
        // hook_attn_out, the sum over heads, carries it on
        int[] expected = expectedGeneration(STEERED_MODEL, steeringPrompt(), STEERED_TOKENS, Map.of(point, t -> {
            double[] values = t.data();
            for (int i = 0; i < values.length; i++) {
                if ((i / d) % heads == 0) {
                    values[i] += 4 * steering[i % d];
                }
            }
            return new RefTensor(t.shape(), values);
        }));
        assertThat(expected).as("test fixture: steering head 0 changes the reference generation")
                .isNotEqualTo(reference(modelDir(STEERED_MODEL)).generate(steeringPrompt(), STEERED_TOKENS, false));
        float[] headZero = new float[heads * d];
        for (int i = 0; i < d; i++) {
            headZero[i] = 4 * steering[i];
        }
        try (Model model = load(modelDir(STEERED_MODEL)); Run run = model.newRun()) {
            run.hook(point, (a, ctx) -> a.add(a.getManager().create(headZero, new Shape(1, 1, heads, d))));
            int[] cached = run.generate(steeringPrompt(), new GenerationOptions(STEERED_TOKENS, true, false)).generated();
            int[] uncached = run.generate(steeringPrompt(), new GenerationOptions(STEERED_TOKENS, false, false)).generated();
            assertThat(cached).as("with KV cache").containsExactly(expected);
            assertThat(uncached).as("without KV cache").containsExactly(expected);
        }
    }

    static int[] steeringPrompt() {
        return randomTokens(4, 51);
    }

    /** The last block's residual output, where a large vector decides the next token. */
    static HookPoint steeringPoint() {
        return HookPoint.block(STEERED_MODEL.config().numLayers() - 1, HookSite.RESID_POST);
    }

    static float[] steeringVector() {
        int d = STEERED_MODEL.config().hiddenSize();
        float[] steering = new float[d];
        Random random = new Random(50);
        for (int i = 0; i < d; i++) {
            steering[i] = (float) (8 * random.nextGaussian());
        }
        return steering;
    }

    /** The reference's generation with the steering vector added, checked to differ from plain generation. */
    static int[] expectedSteeredGeneration() {
        float[] steering = steeringVector();
        int d = steering.length;
        Map<HookPoint, UnaryOperator<RefTensor>> override = Map.of(steeringPoint(), t -> {
            double[] values = t.data();
            for (int i = 0; i < values.length; i++) {
                values[i] += steering[i % d];
            }
            return new RefTensor(t.shape(), values);
        });
        int[] plain = reference(modelDir(STEERED_MODEL)).generate(steeringPrompt(), STEERED_TOKENS, false);
        int[] expected = expectedGeneration(STEERED_MODEL, steeringPrompt(), STEERED_TOKENS, override);
        assertThat(expected).as("test fixture: the steering vector changes the reference generation").isNotEqualTo(plain);
        return expected;
    }

    /**
     * The reference's greedy generation, checked to have a clear top-1 token at every step so that a
     * float32 engine can be judged on it.
     */
    static int[] expectedGeneration(Spec spec, int[] prompt, int newTokens, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
        ReferenceQwen2 reference = reference(modelDir(spec));
        int[] generated = reference.generate(prompt, newTokens, false, overrides);
        int[] sequence = prompt;
        for (int token : generated) {
            double[] last = ReferenceQwen2.lastRow(reference.forward(sequence, overrides).logits());
            double second = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < last.length; i++) {
                if (i != token) {
                    second = Math.max(second, last[i]);
                }
            }
            assertThat(last[token] - second).as("test fixture: top-1/top-2 logit gap of %s at position %d", spec, sequence.length)
                    .isGreaterThan(ARGMAX_MARGIN);
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = token;
        }
        return generated;
    }

    /** One hook call seen during generation. */
    private record Call(long[] shape, HookContext context) {}

    @Test
    public void hooksSeeNewPositionsOnlyWithKvCache() {
        Spec spec = UNTIED_GQA2_BF16;
        int heads = spec.config().numHeads();
        int prompt = 4;
        int newTokens = 3;
        try (Model model = load(modelDir(spec)); Run run = model.newRun()) {
            List<Call> calls = new ArrayList<>();
            run.hook("blocks.0.attn.hook_attn_scores", (a, ctx) -> {
                calls.add(new Call(a.getShape().getShape(), ctx));
                return a;
            });
            run.generate(randomTokens(prompt, 52), new GenerationOptions(newTokens, true, false));
            assertThat(calls).as("one call per forward: the prefill and one per later token").hasSize(newTokens);
            for (int step = 0; step < newTokens; step++) {
                Call call = calls.get(step);
                int keys = prompt + step;
                int queries = step == 0 ? prompt : 1;
                assertThat(call.shape()).as("step " + step).containsExactly(1, heads, queries, keys);
                assertThat(call.context().step()).isEqualTo(step);
                assertThat(call.context().firstPosition()).as("step " + step).isEqualTo(keys - queries);
                assertThat(call.context().keyLength()).as("step " + step).isEqualTo(keys);
            }
            calls.clear();
            run.generate(randomTokens(prompt, 52), new GenerationOptions(newTokens, false, false));
            assertThat(calls).hasSize(newTokens);
            for (int step = 0; step < newTokens; step++) {
                Call call = calls.get(step);
                int keys = prompt + step;
                assertThat(call.shape()).as("uncached step " + step).containsExactly(1, heads, keys, keys);
                assertThat(call.context().step()).isEqualTo(step);
                assertThat(call.context().firstPosition()).isZero();
                assertThat(call.context().keyLength()).isEqualTo(keys);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Comparison

    /** An engine-side value: shape and float32 data. */
    private record Actual(long[] shape, float[] data) {
        static Actual of(NDArray array) {
            return new Actual(array.getShape().getShape(), array.toFloatArray());
        }
    }

    /**
     * Asserts that an engine's logits and its cached activations at some hook points are within
     * {@link #TOLERANCE} of the reference; lists every point that is not.
     *
     * @param result the engine's forward
     * @param expected the reference forward of the same tokens and overrides
     * @param points the hook points to compare (each must be cached)
     */
    protected static void assertMatches(ForwardResult result, ReferenceQwen2.Result expected, Collection<HookPoint> points) {
        List<String> failures = new ArrayList<>();
        check("logits", Actual.of(result.logits()), expected.logits(), failures);
        for (HookPoint point : points) {
            check(point.name(), Actual.of(result.cache().get(point)), expected.get(point), failures);
        }
        assertThat(failures).as("engine differs from the reference by more than " + TOLERANCE + " max-abs").isEmpty();
    }

    private static void check(String what, Actual actual, RefTensor expected, List<String> failures) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            failures.add(what + ": shape " + Arrays.toString(actual.shape()) + ", reference " + Arrays.toString(expected.shape()));
            return;
        }
        double[] reference = expected.data();
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < reference.length; i++) {
            double error = difference(actual.data()[i], reference[i]);
            if (!(error <= worst)) {
                worst = error;
                worstAt = i;
            }
        }
        if (!(worst <= TOLERANCE)) {
            failures.add(String.format("%s: max-abs error %.3g at %s (engine %s, reference %s)", what, worst,
                    Arrays.toString(expected.index(worstAt)), actual.data()[worstAt], reference[worstAt]));
        }
    }

    /** Absolute difference where equal infinities (masked scores) count as equal and NaN never does. */
    private static double difference(double actual, double expected) {
        if (Double.isNaN(actual) || Double.isNaN(expected)) {
            return Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(actual) || Double.isInfinite(expected)) {
            return actual == expected ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(actual - expected);
    }

    /** The largest absolute difference between two arrays of the same size. */
    protected static double maxAbs(double[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }

    /** The largest absolute difference between two arrays of the same size. */
    protected static double maxAbs(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
