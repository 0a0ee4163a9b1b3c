package io.interp4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Padding;
import io.interp4j.api.model.PastKeyValues;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.quant.Quantization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What forward plans need of an engine, checked against the same engine's plain forward (the path the
 * batched one replaces) at every hook point within {@value #TOLERANCE}: padded batches of prompts of
 * different lengths (left and right), logits only at chosen positions, a forward started at layer L
 * from {@code blocks.L.hook_resid_pre}, a forward of the last position after the earlier positions'
 * keys and values, interventions that differ per row, and under {@code llm-int8} (whose outlier columns
 * are each sequence's own) padded rows and batched generation. An engine's test extends this class and
 * implements {@link #provider()}.
 */
public abstract class BatchedForwardContractTest {
    /** The largest absolute difference allowed between a batched row and its plain forward. */
    protected static final double TOLERANCE = 1e-5;

    private static final int VOCAB = 257;
    /** Four blocks, heads 4 / KV 2, untied, float32; the contribution and head cases walk all of it. */
    private static final ModelConfig CONFIG = ModelConfig.of(VOCAB, 32, 64, 4, 4, 2, false);
    /** Heads 7 / KV 1, tied, bfloat16 storage: GQA and padding together. */
    private static final ModelConfig GQA7 = ModelConfig.of(VOCAB, 56, 112, 2, 7, 1, true);

    @TempDir
    static Path models;

    private static Path dir;
    private static Path gqa7;
    private static Path spiked;

    /**
     * Returns the engine under test.
     *
     * @return the provider
     */
    protected abstract EngineProvider provider();

    @BeforeAll
    static void writeModels() {
        dir = models.resolve("four-blocks");
        RandomCheckpoint.write(dir, CONFIG, DType.F32, 11);
        gqa7 = models.resolve("gqa7");
        RandomCheckpoint.write(gqa7, GQA7, DType.BF16, 12);
        spiked = models.resolve("four-blocks-spiked");
        writeSpiked(dir, spiked);
    }

    private Model load(Path model) {
        return provider().load(Checkpoint.open(model));
    }

    private static int[] tokens(int length, long seed) {
        return new Random(seed).ints(length, 0, VOCAB).toArray();
    }

    private static List<int[]> prompts() {
        return List.of(tokens(3, 1), tokens(7, 2), tokens(5, 3), tokens(7, 4));
    }

    // ---------------------------------------------------------------------------------------------
    // Padding

    @ParameterizedTest(name = "{0} padding")
    @EnumSource(Padding.class)
    public void eachPaddedRowEqualsItsOwnForwardAtEveryHookPoint(Padding padding) {
        for (Path model : List.of(dir, gqa7)) {
            List<int[]> prompts = prompts();
            try (Model m = load(model); Run run = m.newRun()) {
                ForwardResult batched = run.cacheAll().forward(ForwardInput.of(prompts).withPadding(padding));
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < prompts.size(); b++) {
                    try (Run plain = m.newRun()) {
                        compareRow(m, batched, b, plain.cacheAll().forward(prompts.get(b)), failures);
                    }
                }
                assertThat(failures).as(model.getFileName() + ": padded rows differ from their own forward").isEmpty();
            }
        }
    }

    @Test
    public void plainForwardOfRowsOfDifferentLengthsIsRightPadded() {
        List<int[]> prompts = prompts();
        try (Model m = load(dir); Run run = m.newRun()) {
            ForwardResult batched = run.forward(prompts.toArray(int[][]::new));
            assertThat(batched.logits().getShape().getShape()).containsExactly(4, 7, VOCAB);
            assertThat(batched.layout().offsets()).containsOnly(0);
            assertThat(batched.layout().lengths()).containsExactly(3, 7, 5, 7);
            List<String> failures = new ArrayList<>();
            try (Run plain = m.newRun()) {
                compare("logits, row 0", slice(batched.logits(), HookPoint.global(HookSite.LOGITS), 0, 0, 3),
                        plain.forward(prompts.get(0)).logits(), failures);
            }
            assertThat(failures).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Logits at chosen positions

    @ParameterizedTest(name = "{0} padding")
    @EnumSource(Padding.class)
    public void logitsOnlyAtRequestedPositions(Padding padding) {
        List<int[]> prompts = prompts();
        try (Model m = load(dir); Run run = m.newRun()) {
            ForwardResult last = run.forward(ForwardInput.of(prompts).withPadding(padding).logitsAt(Positions.LAST));
            ForwardResult firstAndLast = run.forward(ForwardInput.of(prompts).withPadding(padding).logitsAt(Positions.of(0, -1)));
            assertThat(last.logits().getShape().getShape()).containsExactly(4, 1, VOCAB);
            assertThat(firstAndLast.logits().getShape().getShape()).containsExactly(4, 2, VOCAB);
            List<String> failures = new ArrayList<>();
            for (int b = 0; b < prompts.size(); b++) {
                int length = prompts.get(b).length;
                try (Run plain = m.newRun()) {
                    NDArray all = plain.forward(prompts.get(b)).logits();
                    compare("last, row " + b, last.logits().get(new NDIndex("{}:{}", b, b + 1)), all.get(new NDIndex(":, {}:{}", length - 1, length)),
                            failures);
                    compare("first, row " + b, firstAndLast.logits().get(new NDIndex("{}:{}, 0:1", b, b + 1)), all.get(new NDIndex(":, 0:1")),
                            failures);
                    compare("first and last, row " + b, firstAndLast.logits().get(new NDIndex("{}:{}, 1:2", b, b + 1)),
                            all.get(new NDIndex(":, {}:{}", length - 1, length)), failures);
                }
            }
            assertThat(failures).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Start at a layer

    @ParameterizedTest(name = "from layer {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    public void aForwardFromLayerLEqualsTheFullForward(int layer) {
        List<int[]> prompts = prompts();
        try (Model m = load(dir); Run run = m.newRun()) {
            HookPoint start = layer < CONFIG.numLayers() ? HookPoint.block(layer, HookSite.RESID_PRE)
                    : HookPoint.block(layer - 1, HookSite.RESID_POST);
            ForwardInput input = ForwardInput.of(prompts);
            ForwardResult full = run.cacheAll().forward(input);
            try (Run later = m.newRun()) {
                ForwardResult resumed = later.cacheAll().forward(input.startingAt(layer, full.cache().get(start)));
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < prompts.size(); b++) {
                    int length = prompts.get(b).length;
                    HookPoint logits = HookPoint.global(HookSite.LOGITS);
                    compare("logits, row " + b, slice(resumed.logits(), logits, b, 0, length), slice(full.logits(), logits, b, 0, length), failures);
                    for (HookPoint point : m.hookPoints()) {
                        boolean computed = point.layer() >= layer || (point.layer() < 0 && point.site() != HookSite.EMBED);
                        if (!computed) {
                            assertThat(resumed.cache().points()).as("a hook point before the start layer never fires").doesNotContain(point);
                            continue;
                        }
                        compare(point + ", row " + b, slice(resumed.cache().get(point), point, b, 0, length),
                                slice(full.cache().get(point), point, b, 0, length), failures);
                    }
                }
                assertThat(failures).isEmpty();
            }
        }
    }

    @Test
    public void anInterventionBeforeTheStartLayerIsRefused() {
        int[] prompt = tokens(5, 9);
        try (Model m = load(dir); Run run = m.newRun()) {
            NDArray residual = run.cache(List.of(HookPoint.block(2, HookSite.RESID_PRE))).forward(prompt).cache()
                    .get(HookPoint.block(2, HookSite.RESID_PRE));
            Intervention early = Intervention.zero(Site.parse("blocks.1.hook_mlp_out"), Positions.ALL);
            assertThatThrownBy(() -> run.forward(ForwardInput.of(prompt).startingAt(2, residual).withRowInterventions(List.of(List.of(early)))))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("blocks.1.hook_mlp_out")
                    .hasMessageContaining("never fire");
            assertThatThrownBy(() -> run.forward(ForwardInput.of(prompt, prompt).startingAt(2, residual)))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("shape");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The last position after the earlier positions' keys and values

    @ParameterizedTest(name = "from layer {0}")
    @ValueSource(ints = {0, 2})
    public void theLastPositionAfterPastKeysAndValuesEqualsTheFullForward(int layer) {
        int[] prompt = tokens(6, 5);
        try (Model m = load(dir); Run run = m.newRun()) {
            ForwardResult full = run.cacheAll().forward(prompt);
            NDArray[] keys = new NDArray[CONFIG.numLayers()];
            NDArray[] values = new NDArray[CONFIG.numLayers()];
            for (int l = layer; l < CONFIG.numLayers(); l++) {
                keys[l] = full.cache().get(HookPoint.block(l, HookSite.ATTN_ROT_K)).get(new NDIndex(":, 0:5"));
                values[l] = full.cache().get(HookPoint.block(l, HookSite.ATTN_V)).get(new NDIndex(":, 0:5"));
            }
            PastKeyValues past = new PastKeyValues(5, keys, values);
            // three rows of the same last token share one past (batch 1 broadcasts)
            List<int[]> last = List.of(new int[] {prompt[5]}, new int[] {prompt[5]}, new int[] {prompt[5]});
            ForwardInput input = ForwardInput.of(last).after(past);
            if (layer > 0) {
                NDArray residual = full.cache().get(HookPoint.block(layer, HookSite.RESID_PRE)).get(new NDIndex(":, 5:6"));
                input = input.startingAt(layer, residual.repeat(0, 3));
            }
            try (Run decode = m.newRun()) {
                ForwardResult resumed = decode.cacheAll().forward(input);
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < 3; b++) {
                    compare("logits, row " + b, resumed.logits().get(new NDIndex("{}:{}", b, b + 1)),
                            full.logits().get(new NDIndex(":, 5:6")), failures);
                    for (HookPoint point : m.hookPoints()) {
                        if (point.layer() >= 0 && point.layer() < layer || point.site() == HookSite.EMBED && layer > 0) {
                            continue;
                        }
                        NDArray actual = resumed.cache().get(point);
                        NDArray expected = full.cache().get(point);
                        if (point.site() == HookSite.ATTN_SCORES || point.site() == HookSite.ATTN_PATTERN) {
                            actual = actual.get(new NDIndex("{}:{}", b, b + 1));
                            expected = expected.get(new NDIndex(":, :, 5:6"));
                        } else {
                            actual = actual.get(new NDIndex("{}:{}", b, b + 1));
                            expected = expected.get(new NDIndex(":, 5:6"));
                        }
                        compare(point + ", row " + b, actual, expected, failures);
                    }
                }
                assertThat(failures).isEmpty();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Interventions per row

    /** Row i's intervention; null for a row left alone. */
    private static List<Intervention> headsOfLayer(int layer) {
        List<Intervention> list = new ArrayList<>();
        for (int head = 0; head < CONFIG.numHeads(); head++) {
            list.add(Intervention.zero(Site.parse("blocks." + layer + ".attn.hook_z"), Positions.ALL).withHeads(List.of(head)));
        }
        return list;
    }

    private static List<Intervention> contributions() {
        List<Intervention> list = new ArrayList<>();
        for (int layer = 0; layer < CONFIG.numLayers(); layer++) {
            list.add(Intervention.zero(Site.parse("blocks." + layer + ".contribution"), Positions.ALL));
        }
        return list;
    }

    private static List<Intervention> steering() {
        float[] direction = new float[CONFIG.hiddenSize()];
        Random random = new Random(77);
        for (int i = 0; i < direction.length; i++) {
            direction[i] = (float) random.nextGaussian();
        }
        TensorData vector = new TensorData(new long[] {CONFIG.hiddenSize()}, direction);
        List<Intervention> list = new ArrayList<>();
        for (double scale : new double[] {-4, -1, 0.5, 3}) {
            list.add(Intervention.add(Site.layerOutput(1), Positions.LAST, scale, vector, "random direction"));
        }
        return list;
    }

    /**
     * Row i writes a vector of its own over block i's contribution (mean ablation); then rows that write a
     * vector over block 1's output at the last position, and a source activation's rows by position.
     */
    private static List<Intervention> replacements() {
        List<Intervention> list = new ArrayList<>();
        for (int layer = 0; layer < CONFIG.numLayers(); layer++) {
            list.add(Intervention.replace(Site.parse("blocks." + layer + ".contribution"), Positions.ALL, vector(100 + layer), "a mean"));
        }
        list.add(Intervention.replace(Site.layerOutput(1), Positions.LAST, vector(200), "a patched vector"));
        // a source prompt's activation of 5 positions: its last row at the last position, its first at position 0
        float[] source = new float[5 * CONFIG.hiddenSize()];
        Random random = new Random(300);
        for (int i = 0; i < source.length; i++) {
            source[i] = (float) random.nextGaussian();
        }
        TensorData activation = new TensorData(new long[] {1, 5, CONFIG.hiddenSize()}, source);
        list.add(Intervention.replace(Site.layerOutput(2), Positions.LAST, activation, "a patched activation"));
        list.add(Intervention.replace(Site.parse("blocks.1.contribution"), Positions.of(0), activation, "a patched contribution"));
        return list;
    }

    private static TensorData vector(long seed) {
        Random random = new Random(seed);
        float[] v = new float[CONFIG.hiddenSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return new TensorData(new long[] {CONFIG.hiddenSize()}, v);
    }

    /** Which per-row interventions a case stacks. */
    protected enum RowCase {
        /** Row i writes a vector over block i's contribution; more rows write a vector or a source activation's rows. */
        REPLACEMENTS,
        /** Row i zeroes head i of block 2. */
        HEADS,
        /** Row i zeroes block i's contribution (a true skip). */
        CONTRIBUTIONS,
        /** Row i steers block 1's output at the last position with its own scale. */
        STEERING
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RowCase.class)
    public void interventionsPerRowEqualEachRunAlone(RowCase c) {
        List<Intervention> interventions = switch (c) {
            case HEADS -> headsOfLayer(2);
            case CONTRIBUTIONS -> contributions();
            case STEERING -> steering();
            case REPLACEMENTS -> replacements();
        };
        for (Padding padding : Padding.values()) {
            // one prompt per row, of different lengths, plus a row that nothing touches
            List<int[]> prompts = new ArrayList<>();
            List<List<Intervention>> perRow = new ArrayList<>();
            for (int i = 0; i < interventions.size(); i++) {
                prompts.add(tokens(3 + i, 40 + i));
                perRow.add(List.of(interventions.get(i)));
            }
            prompts.add(tokens(4, 60));
            perRow.add(List.of());
            try (Model m = load(dir); Run run = m.newRun()) {
                ForwardResult batched = run.cacheAll().forward(ForwardInput.of(prompts).withPadding(padding).withRowInterventions(perRow));
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < prompts.size(); b++) {
                    try (Run alone = m.newRun()) {
                        perRow.get(b).forEach(alone::intervene);
                        compareRow(m, batched, b, alone.cacheAll().forward(prompts.get(b)), failures);
                    }
                }
                assertThat(failures).as(c + ", " + padding + " padding").isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0} padding")
    @EnumSource(Padding.class)
    public void theRunsOwnInterventionsTouchEachPaddedRowsOwnPositions(Padding padding) {
        List<int[]> prompts = prompts();
        try (Model m = load(dir); Run source = m.newRun()) {
            // every way an intervention names positions: last, first and from-the-end indices, all; a vector,
            // heads, a contribution and a source activation copied by position
            HookPoint patched = HookPoint.block(2, HookSite.RESID_POST);
            TensorData sourceActivation = TensorData.of(source.cache(List.of(patched)).forward(tokens(3, 80)).cache().get(patched));
            List<Intervention> interventions = List.of(
                    steering().get(3),
                    Intervention.zero(Site.parse("blocks.2.attn.hook_z"), Positions.of(0, -2)).withHeads(List.of(1)),
                    Intervention.zero(Site.parse("blocks.3.contribution"), Positions.ALL),
                    Intervention.replace(Site.layerOutput(2), Positions.LAST, sourceActivation, "a 3-token prompt"));
            HookPoint cached = HookPoint.block(3, HookSite.RESID_MID);
            try (Run run = m.newRun()) {
                interventions.forEach(run::intervene);
                ForwardResult batched = run.cache(List.of(cached)).forward(ForwardInput.of(prompts).withPadding(padding));
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < prompts.size(); b++) {
                    try (Run alone = m.newRun()) {
                        interventions.forEach(alone::intervene);
                        ForwardResult single = alone.cache(List.of(cached)).forward(prompts.get(b));
                        int offset = batched.layout().offset(b);
                        int length = prompts.get(b).length;
                        compare("logits, row " + b, slice(batched.logits(), HookPoint.global(HookSite.LOGITS), b, offset, length),
                                single.logits(), failures);
                        compare(cached + ", row " + b, slice(batched.cache().get(cached), cached, b, offset, length),
                                single.cache().get(cached), failures);
                    }
                }
                assertThat(failures).as(padding + " padding").isEmpty();
            }
        }
    }

    @Test
    public void interventionsPerRowFromAStartLayerEqualEachRunAlone() {
        int[] prompt = tokens(6, 70);
        List<Intervention> heads = headsOfLayer(2);
        try (Model m = load(dir); Run clean = m.newRun()) {
            NDArray residual = clean.cache(List.of(HookPoint.block(2, HookSite.RESID_PRE))).forward(prompt).cache()
                    .get(HookPoint.block(2, HookSite.RESID_PRE));
            List<int[]> prompts = new ArrayList<>();
            List<List<Intervention>> perRow = new ArrayList<>();
            for (Intervention head : heads) {
                prompts.add(prompt);
                perRow.add(List.of(head));
            }
            try (Run run = m.newRun()) {
                ForwardResult batched = run.forward(ForwardInput.of(prompts).startingAt(2, residual.repeat(0, heads.size()))
                        .logitsAt(Positions.LAST).withRowInterventions(perRow));
                List<String> failures = new ArrayList<>();
                for (int b = 0; b < heads.size(); b++) {
                    try (Run alone = m.newRun()) {
                        NDArray single = alone.intervene(heads.get(b)).forward(prompt).logits().get(new NDIndex(":, 5:6"));
                        compare("row " + b, batched.logits().get(new NDIndex("{}:{}", b, b + 1)), single, failures);
                    }
                }
                assertThat(failures).isEmpty();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding a left-padded batch after its own keys and values

    /**
     * Prompts of different lengths, left-padded and prefilled as one batch, then decoded step by step
     * after the batch's keys and values (the past knows each row's leading pads): every decode step of
     * every row equals that row's own batch-1 prefill and decode at the logits and every hook point
     * (scores and patterns over the row's real keys). Wrong position ids move q/k after RoPE; an
     * unmasked pad key changes the pattern and everything after it.
     */
    @Test
    public void aLeftPaddedBatchDecodedAfterItsPastEqualsEachRowsOwnDecodeAtEveryHookPoint() {
        int steps = 3;
        for (Path model : List.of(dir, gqa7)) {
            List<int[]> prompts = prompts();
            int batch = prompts.size();
            int[][] fed = new int[steps][];
            for (int t = 0; t < steps; t++) {
                fed[t] = tokens(batch, 20 + t);
            }
            List<String> failures = new ArrayList<>();
            try (Model m = load(model); Run run = m.newRun()) {
                int layers = m.config().numLayers();
                ForwardResult prefill = run.cacheAll().forward(ForwardInput.of(prompts).withPadding(Padding.LEFT));
                int[] pads = prefill.layout().offsets();
                PastKeyValues past = grow(null, prefill, layers).withPads(pads);
                List<ForwardResult> decoded = new ArrayList<>();
                for (int t = 0; t < steps; t++) {
                    List<int[]> next = new ArrayList<>();
                    for (int b = 0; b < batch; b++) {
                        next.add(new int[] {fed[t][b]});
                    }
                    ForwardResult step = run.cacheAll().forward(ForwardInput.of(next).after(past));
                    decoded.add(step);
                    past = grow(past, step, layers).withPads(pads);
                }
                for (int b = 0; b < batch; b++) {
                    try (Run plain = m.newRun()) {
                        PastKeyValues own = grow(null, plain.cacheAll().forward(prompts.get(b)), layers);
                        for (int t = 0; t < steps; t++) {
                            ForwardResult single = plain.cacheAll().forward(ForwardInput.of(new int[] {fed[t][b]}).after(own));
                            String where = "decode step " + (t + 1) + ", row " + b;
                            compare("logits, " + where, decoded.get(t).logits().get(new NDIndex("{}:{}", b, b + 1)), single.logits(), failures);
                            for (HookPoint point : m.hookPoints()) {
                                compare(point + ", " + where, realKeys(decoded.get(t).cache().get(point), point, b, pads[b]),
                                        single.cache().get(point), failures);
                            }
                            own = grow(own, single, layers);
                        }
                    }
                }
            }
            assertThat(failures).as(model.getFileName() + ": decode steps of a left-padded batch differ from each row's own decode").isEmpty();
        }
    }

    @Test
    public void aPastPaddedForOtherRowsThanTheForwardIsRefused() {
        try (Model m = load(dir); Run run = m.newRun()) {
            ForwardResult prefill = run.cacheAll().forward(ForwardInput.of(prompts()).withPadding(Padding.LEFT));
            PastKeyValues past = grow(null, prefill, CONFIG.numLayers()).withPads(new int[] {4, 0, 2});
            assertThatThrownBy(() -> run.forward(ForwardInput.of(new int[] {1}, new int[] {2}, new int[] {3}, new int[] {4}).after(past)))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("pads for 3 rows; the forward has 4 rows");
        }
    }

    /** The past after one more forward: its rotated keys and values appended along the positions. */
    private static PastKeyValues grow(PastKeyValues past, ForwardResult result, int layers) {
        NDArray[] keys = new NDArray[layers];
        NDArray[] values = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            NDArray k = result.cache().get(HookPoint.block(l, HookSite.ATTN_ROT_K));
            NDArray v = result.cache().get(HookPoint.block(l, HookSite.ATTN_V));
            keys[l] = past == null ? k : past.key(l).concat(k, 1);
            values[l] = past == null ? v : past.value(l).concat(v, 1);
        }
        return new PastKeyValues((int) keys[0].getShape().get(1), keys, values);
    }

    /** Batch row {@code b} of a decode step's activation as {@code [1, ...]}; scores and patterns over its real keys only. */
    private static NDArray realKeys(NDArray array, HookPoint point, int b, int pad) {
        if (point.site() == HookSite.ATTN_SCORES || point.site() == HookSite.ATTN_PATTERN) {
            return array.get(new NDIndex(b + ":" + (b + 1) + ", :, :, " + pad + ":"));
        }
        return array.get(new NDIndex(b + ":" + (b + 1)));
    }

    // ---------------------------------------------------------------------------------------------
    // LLM.int8: each sequence's own outlier columns

    /** The token whose embedding spikes in {@link #SPIKE_CHANNEL}: an outlier column of the prompts that hold it. */
    private static final int SPIKE_TOKEN = 5;
    private static final int SPIKE_CHANNEL = 3;
    /** The pad slots' token (both engines write id 0 there): it spikes in {@link #PAD_CHANNEL}, which no prompt reaches. */
    private static final int PAD_TOKEN = 0;
    private static final int PAD_CHANNEL = 11;
    private static final HookPoint SPIKED_POINT = HookPoint.block(0, HookSite.LN1_NORMALIZED);

    /**
     * CONFIG's model with two spiking tokens: in the embedding, {@link #SPIKE_TOKEN} holds 2 in {@link
     * #SPIKE_CHANNEL}, {@link #PAD_TOKEN} 2 in {@link #PAD_CHANNEL}, every other token 0.3 times its own
     * values there, and block 0's input norm weighs both channels 3, so that q, k and v's input ({@link
     * #SPIKED_POINT}) reaches about 15 at those tokens and stays of order one elsewhere (nonzero, so that
     * taking either column in float instead of quantised changes a product).
     */
    private static void writeSpiked(Path base, Path out) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(base)) {
            for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(CONFIG).entrySet()) {
                float[] values = checkpoint.readFloats(e.getKey());
                int d = CONFIG.hiddenSize();
                if (e.getKey().equals(Qwen2Layout.EMBED)) {
                    for (int token = 0; token < VOCAB; token++) {
                        values[token * d + SPIKE_CHANNEL] = token == SPIKE_TOKEN ? 2f : 0.3f * values[token * d + SPIKE_CHANNEL];
                        values[token * d + PAD_CHANNEL] = token == PAD_TOKEN ? 2f : 0.3f * values[token * d + PAD_CHANNEL];
                    }
                } else if (e.getKey().equals(Qwen2Layout.layer(0, "input_layernorm.weight"))) {
                    values[SPIKE_CHANNEL] = 3f;
                    values[PAD_CHANNEL] = 3f;
                }
                entries.add(new SafetensorsWriter.Entry(e.getKey(), DType.F32, e.getValue(), () -> values));
            }
        }
        try {
            Files.createDirectories(out);
            Files.copy(base.resolve("config.json"), out.resolve("config.json"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SafetensorsWriter.write(out.resolve("model.safetensors"), entries, Map.of("format", "pt"));
    }

    /** Prompts of different lengths without the pad token; the second and the fourth hold the spiking token. */
    private static List<int[]> spikedPrompts() {
        List<int[]> prompts = new ArrayList<>();
        for (int[] prompt : prompts()) {
            prompts.add(Arrays.stream(prompt).map(t -> t == PAD_TOKEN || t == SPIKE_TOKEN ? t + 1 : t).toArray());
        }
        prompts.get(1)[2] = SPIKE_TOKEN;
        prompts.get(3)[5] = SPIKE_TOKEN;
        return prompts;
    }

    private Model loadLlmInt8() {
        return provider().load(Checkpoint.open(spiked), LoadOptions.defaults().withQuantization(Quantization.LLM_INT8));
    }

    /**
     * A left-padded batch under llm-int8 in which the spiking token makes an outlier column of some
     * prompts and not of the others, and the pad slots reach the threshold in a column of no prompt's:
     * every row equals its own unpadded batch-1 forward at the logits and every hook point. With the
     * outlier columns chosen over the whole batch, pad slots included, the others' product would take
     * both columns in float and differ by the quantisation error of those columns.
     */
    @Test
    public void underLlmInt8EachPaddedRowEqualsItsOwnForwardAtEveryHookPoint() {
        List<int[]> prompts = spikedPrompts();
        try (Model m = loadLlmInt8(); Run run = m.newRun()) {
            ForwardResult batched = run.cacheAll().forward(ForwardInput.of(prompts).withPadding(Padding.LEFT));
            assertSpikes(batched.cache().get(SPIKED_POINT), batched.layout());
            List<String> failures = new ArrayList<>();
            for (int b = 0; b < prompts.size(); b++) {
                try (Run plain = m.newRun()) {
                    compareRow(m, batched, b, plain.cacheAll().forward(prompts.get(b)), failures);
                }
            }
            assertThat(failures).as("llm-int8: padded rows differ from their own forward").isEmpty();
        }
    }

    /** The fixture does what it is for: outlier columns in some prompts and not in others, and in pad slots only. */
    private static void assertSpikes(NDArray activation, BatchLayout layout) {
        float[] x = activation.toFloatArray();
        int width = layout.width();
        int d = CONFIG.hiddenSize();
        double threshold = ReferenceLlmInt8.THRESHOLD;
        boolean[] real = layout.real();
        boolean padSpike = false;
        for (int b = 0; b < layout.batch(); b++) {
            double[] own = new double[layout.length(b) * d];
            for (int p = 0; p < layout.length(b); p++) {
                for (int c = 0; c < d; c++) {
                    own[p * d + c] = x[(b * width + layout.offset(b) + p) * d + c];
                }
            }
            boolean[] columns = ReferenceLlmInt8.outlierColumns(own, layout.length(b), d, threshold);
            boolean holdsSpike = b == 1 || b == 3;
            assertThat(columns[SPIKE_CHANNEL]).as("test fixture: row %d's outlier column %d at %s", b, SPIKE_CHANNEL, SPIKED_POINT)
                    .isEqualTo(holdsSpike);
            assertThat(columns[PAD_CHANNEL]).as("test fixture: column %d is no row's outlier column", PAD_CHANNEL).isFalse();
            for (int p = 0; p < width; p++) {
                padSpike |= !real[b * width + p] && Math.abs(x[(b * width + p) * d + PAD_CHANNEL]) >= threshold;
            }
        }
        assertThat(padSpike).as("test fixture: a pad slot reaches the threshold at %s", SPIKED_POINT).isTrue();
    }

    /**
     * Greedy generation from the spiked prompts under llm-int8 ({@link Decoding#batched}: a left-padded
     * prefill, then one position per row after the batch's keys and values) gives every prompt token for
     * token what generating it alone gives, and the logits it picked them from within {@value #TOLERANCE}.
     */
    @Test
    public void underLlmInt8BatchedGreedyGenerationEqualsEachPromptAlone() {
        List<int[]> prompts = spikedPrompts();
        int newTokens = 4;
        try (Model m = loadLlmInt8()) {
            List<List<float[]>> batchedLogits = new ArrayList<>();
            prompts.forEach(p -> batchedLogits.add(new ArrayList<>()));
            List<int[]> batched;
            try (Run run = m.newRun()) {
                batched = Decoding.batched(run, prompts, newTokens, -1, (row, logits) -> {
                    batchedLogits.get(row).add(logits);
                    return Decoding.argmax(logits);
                });
            }
            List<String> failures = new ArrayList<>();
            for (int b = 0; b < prompts.size(); b++) {
                List<float[]> aloneLogits = new ArrayList<>();
                List<int[]> alone;
                try (Run run = m.newRun()) {
                    alone = Decoding.batched(run, List.of(prompts.get(b)), newTokens, -1, (row, logits) -> {
                        aloneLogits.add(logits);
                        return Decoding.argmax(logits);
                    });
                }
                assertThat(batched.get(b)).as("row %d's tokens, batched and alone", b).containsExactly(alone.get(0));
                for (int t = 0; t < newTokens; t++) {
                    double worst = 0;
                    for (int i = 0; i < VOCAB; i++) {
                        worst = Math.max(worst, Math.abs(batchedLogits.get(b).get(t)[i] - aloneLogits.get(t)[i]));
                    }
                    if (!(worst <= TOLERANCE)) {
                        failures.add(String.format("row %d, new token %d: logits max-abs difference %.3g", b, t, worst));
                    }
                }
            }
            assertThat(failures).as("llm-int8: batched generation's logits differ from each prompt's alone").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Comparison

    /** Compares batch row {@code b} of a forward that cached every hook point with its own forward, at the logits and every point. */
    private static void compareRow(Model m, ForwardResult batched, int b, ForwardResult single, List<String> failures) {
        int offset = batched.layout().offset(b);
        int length = batched.layout().length(b);
        compare("logits, row " + b, slice(batched.logits(), HookPoint.global(HookSite.LOGITS), b, offset, length), single.logits(), failures);
        for (HookPoint point : m.hookPoints()) {
            compare(point + ", row " + b, slice(batched.cache().get(point), point, b, offset, length), single.cache().get(point), failures);
        }
    }

    /**
     * Returns batch row {@code b}'s real positions of an activation as {@code [1, ...]}: along the
     * position axis, and for attention scores and patterns along the query and the key axes.
     */
    private static NDArray slice(NDArray array, HookPoint point, int b, int offset, int length) {
        String rows = b + ":" + (b + 1);
        String real = offset + ":" + (offset + length);
        if (point.site() == HookSite.ATTN_SCORES || point.site() == HookSite.ATTN_PATTERN) {
            return array.get(new NDIndex(rows + ", :, " + real + ", " + real));
        }
        return array.get(new NDIndex(rows + ", " + real));
    }

    private static void compare(String what, NDArray actual, NDArray expected, List<String> failures) {
        if (!actual.getShape().equals(expected.getShape())) {
            failures.add(what + ": shape " + actual.getShape() + ", plain forward " + expected.getShape());
            return;
        }
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double error;
            if (Float.isNaN(a[i]) || Float.isNaN(e[i])) {
                error = Double.POSITIVE_INFINITY;
            } else if (Float.isInfinite(a[i]) || Float.isInfinite(e[i])) {
                error = a[i] == e[i] ? 0 : Double.POSITIVE_INFINITY;
            } else {
                error = Math.abs(a[i] - e[i]);
            }
            if (!(error <= worst)) {
                worst = error;
                at = i;
            }
        }
        if (!(worst <= TOLERANCE)) {
            failures.add(String.format("%s: max-abs difference %.3g at flat index %d (batched %s, plain %s)", what, worst, at, a[at], e[at]));
        }
    }
}
