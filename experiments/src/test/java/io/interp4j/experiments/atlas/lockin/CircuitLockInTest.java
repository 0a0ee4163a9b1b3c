package io.interp4j.experiments.atlas.lockin;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.lora.TrainedStudy;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CircuitLockInTest extends TinyStudyTest {
    private static final List<String> FAMILIES = List.of("copying", "json_schema");
    private static final String SETTINGS = "models = [deep], training-step = " + TrainedStudy.STEP + ", suite = fam, split = all,"
            + " families = [copying, json_schema], prompts-per-family = 2, checkpoints = [1, 2], top = 2";

    @BeforeAll
    static void train() {
        TrainedStudy.prepare(study);
        TrainedStudy.train(study, "[1, 2]");
    }

    /** The last position's logits with layer L ablated by hand-installed hooks (−1: none). */
    private static float[] ablated(Model model, int[] tokens, String protocol, int layer) {
        Hook zero = (activation, context) -> activation.zerosLike();
        try (Run run = model.newRun()) {
            if (layer >= 0 && protocol.equals("published")) {
                run.hook("blocks." + layer + ".hook_resid_post", zero);
            } else if (layer >= 0) {
                // zeroing attn_out and mlp_out leaves resid_post = resid_pre: the block adds nothing
                run.hook("blocks." + layer + ".hook_attn_out", zero);
                run.hook("blocks." + layer + ".hook_mlp_out", zero);
            }
            float[] all = run.forward(tokens).logits().toFloatArray();
            int vocab = model.config().vocabSize();
            return Arrays.copyOfRange(all, all.length - vocab, all.length);
        }
    }

    /**
     * Per-layer mean of family means of baseline − ablated first-token log-probs, clamped at 0 for published;
     * families have 2 prompts each.
     */
    private static double[] effects(Model model, String protocol, List<Task> tasks, Tokenizer tokenizer, List<float[]> ablatedLast) {
        int layers = model.config().numLayers();
        double[] baselines = tasks.stream().mapToDouble(task -> Independent.logSoftmax(ablated(model, tokenizer.encode(task.prompt()),
                protocol, -1))[tokenizer.encode(task.target())[0]]).toArray();
        double[] effect = new double[layers];
        for (int layer = 0; layer < layers; layer++) {
            double sum = 0;
            for (int t = 0; t < tasks.size(); t++) {
                Task task = tasks.get(t);
                int[] tokens = tokenizer.encode(task.prompt());
                int target = tokenizer.encode(task.target())[0];
                double baseline = baselines[t];
                float[] logits = ablated(model, tokens, protocol, layer);
                ablatedLast.add(logits);
                double drop = baseline - Independent.logSoftmax(logits)[target];
                // published clamps at 0; corrected keeps the sign
                sum += protocol.equals("published") ? Math.max(0, drop) : drop;
            }
            // equal family sizes: the mean of family means is the plain mean
            effect[layer] = sum / tasks.size();
        }
        return effect;
    }

    private static List<Integer> top(double[] effect, int k) {
        return IntStream.range(0, effect.length).boxed()
                .sorted(Comparator.comparingDouble((Integer l) -> -effect[l]).thenComparingInt(l -> l)).limit(k).toList();
    }

    @Test
    void layerEffectsAndTopLayersMatchHandInstalledAblationsAtEveryCheckpoint() {
        Experiment lockIn = Steps.create("circuit-lock-in", SETTINGS);
        assertThat(lockIn.validate(study)).isEmpty();
        assertThat(lockIn.dependsOn()).containsExactly(TrainedStudy.STEP);
        assertThat(lockIn.forwardPasses(study)).isEqualTo(3L * 4 * (1 + 4 * 2));
        Steps.Counter progress = new Steps.Counter();
        StepResult result = lockIn.run(study, progress);
        assertThat(study.loadedVariants()).as("each checkpoint is released after use").isZero();
        assertThat(progress.total()).isEqualTo(lockIn.forwardPasses(study));
        // published drops are clamped at 0, corrected drops keep their sign (some ablations raise the target here)
        StepResult.Table drops = table(result, "lock-in-prompts");
        assertThat(drops.rows()).filteredOn(r -> cell(drops, r, "protocol").equals("published"))
                .allSatisfy(r -> assertThat(number(drops, r, "drop")).isGreaterThanOrEqualTo(0));
        assertThat(drops.rows()).filteredOn(r -> cell(drops, r, "protocol").equals("corrected"))
                .anySatisfy(r -> assertThat(number(drops, r, "drop")).isNegative());

        Tokenizer tokenizer = study.raw("deep").requireTokenizer();
        List<Task> tasks = study.suite("fam").tasks().stream().filter(t -> FAMILIES.contains(t.family()))
                .filter(t -> !t.id().endsWith("2")).toList();
        assertThat(tasks).hasSize(4);
        Path root = study.artefacts(TrainedStudy.STEP).resolve("deep");
        StepResult.Table layers = table(result, "lock-in");
        StepResult.Table tops = table(result, "lock-in-top");
        StepResult.Table atlas = table(result, AtlasRows.TABLE);
        for (String protocol : List.of("published", "corrected")) {
            List<double[]> effects = new ArrayList<>();
            List<float[]> ablatedLast = new ArrayList<>();
            for (int step = 0; step <= 2; step++) {
                int current = step;
                double[] effect;
                if (step == 0) {
                    effect = effects(study.raw("deep"), protocol, tasks, tokenizer, ablatedLast);
                } else {
                    try (Model model = TrainedStudy.load(study, "deep", root.resolve("checkpoint-" + step))) {
                        effect = effects(model, protocol, tasks, tokenizer, ablatedLast);
                    }
                }
                effects.add(effect);
                for (int layer = 0; layer < 4; layer++) {
                    int l = layer;
                    List<Object> row = layers.rows().stream().filter(r -> r.get(1).equals(protocol) && r.get(2).equals(current)
                            && r.get(3).equals(l)).findFirst().orElseThrow();
                    assertThat(number(layers, row, "drop")).as("%s step %d L%d", protocol, step, layer).isCloseTo(effect[layer], within(1e-4));
                    assertThat(cell(layers, row, "ci_low") == null).isEqualTo(protocol.equals("published"));
                }
                String expectedTop = top(effect, 2).stream().map(l -> "L" + l).collect(Collectors.joining("/"));
                List<Object> topRow = tops.rows().stream().filter(r -> r.get(1).equals(protocol) && r.get(2).equals(current))
                        .findFirst().orElseThrow();
                assertThat(cell(tops, topRow, "top_layers")).isEqualTo(expectedTop);
            }
            // an ablation matters either way: with the corrected (signed) protocol every layer's ablation may raise the target
            assertThat(effects).allSatisfy(e -> assertThat(Arrays.stream(e).map(Math::abs).max().orElseThrow()).as("some layer matters")
                    .isGreaterThan(1e-3));
            assertThat(effects.get(2)).as("training moved the effects").isNotEqualTo(effects.get(0));
            Set<Integer> first = new TreeSet<>(top(effects.get(0), 2));
            Set<Integer> last = new TreeSet<>(top(effects.get(2), 2));
            assertThat(atlasValue(atlas, "circuit-lock-in.locked-in", protocol)).isEqualTo(first.equals(last));
            long shared = first.stream().filter(last::contains).count();
            assertThat(((Number) atlasValue(atlas, "circuit-lock-in.top-overlap", protocol)).doubleValue()).isEqualTo(shared / 2.0);
            if (protocol.equals("corrected")) {
                assertThat(((Number) atlasValue(atlas, "circuit-lock-in.rank-correlation", protocol)).doubleValue())
                        .isCloseTo(Independent.spearman(effects.get(0), effects.get(2)), within(1e-9));
            } else {
                // zeroing the whole residual stream leaves no trace of the prompt: the premise of the cascade flag
                int prompts = tasks.size();
                for (int i = 0; i < ablatedLast.size(); i += prompts) {
                    for (int p = 1; p < prompts; p++) {
                        float[] a = ablatedLast.get(i);
                        float[] b = ablatedLast.get(i + p);
                        double diff = IntStream.range(0, a.length).mapToDouble(v -> Math.abs(a[v] - b[v])).max().orElseThrow();
                        assertThat(diff).isLessThan(1e-4);
                    }
                }
            }
        }
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows()).anySatisfy(r -> {
            assertThat(cell(flags, r, "kind")).isEqualTo("artefact");
            assertThat((String) cell(flags, r, "message")).startsWith("cascade zero").contains("L0 (steps 0, 1, 2)")
                    .contains("L3 (steps 0, 1, 2)");
        });
        assertThat(table(result, "lock-in-prompts").rows()).hasSize(2 * 3 * 4 * 4);
        assertThat(result.charts()).singleElement().satisfies(c -> assertThat(c.table()).isEqualTo("lock-in"));
    }

    private static Object atlasValue(StepResult.Table atlas, String key, String protocol) {
        return atlas.rows().stream().filter(r -> r.get(1).equals(key) && r.get(2).equals(protocol) && r.get(3).equals("deep"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " " + protocol)).get(4);
    }

    @Test
    void aCheckpointTheTrainingStepDidNotSaveIsNamedBeforeAnyForward() {
        Experiment lockIn = Steps.create("circuit-lock-in", SETTINGS.replace("checkpoints = [1, 2]", "checkpoints = [1, 7]"));
        assertThat(lockIn.validate(study)).isEmpty();
        Steps.Counter progress = new Steps.Counter();
        assertThatThrownBy(() -> lockIn.run(study, progress))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(P + ".checkpoints: step '" + TrainedStudy.STEP + "' saved no checkpoint after step 7 for model 'deep'")
                .hasMessageContaining("it saved [1, 2]");
        assertThat(progress.total()).isZero();
    }

    @Test
    void badSettingsAreReportedTogetherWithTheirPaths() {
        String p = "interp4j.experiment.circuit-lock-in.";
        assertThatThrownBy(() -> Steps.create("circuit-lock-in", "checkpoints = [0, 5], top = 0, target-rule = fuzzy,"
                + " cascade-tolerance = -1, families = [], prompts-per-family = 0, training-step = \"\""))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).problems().stream().map(Object::toString).toList()).containsExactlyInAnyOrder(
                        p + "checkpoints: found [0,5]; allowed: a non-empty list of distinct integers >= 1",
                        p + "top: found 0; allowed: an integer >= 1",
                        p + "target-rule: found 'fuzzy'; allowed: exact, leading-space, first-token",
                        p + "cascade-tolerance: found -1; allowed: a finite number >= 0 (logit units)",
                        p + "families: found []; allowed: all or a non-empty list of distinct names",
                        p + "prompts-per-family: found 0; allowed: an integer >= 1",
                        p + "training-step: found \"\"; allowed: a non-empty string"));
        Experiment lockIn = Steps.create("circuit-lock-in", "models = [deep, main], suite = fam, split = all, families = [copying, poetry,"
                + " factual_recall], top = 3");
        assertThat(lockIn.validate(study)).extracting(Object::toString).containsExactlyInAnyOrder(
                P + ".families: unknown family 'poetry'; the families of suite 'fam' (split all): [arithmetic, copying, factual_recall,"
                        + " json_schema]",
                P + ".prompts-per-family: family 'factual_recall' of suite 'fam' (split all) has 2 task(s); 3 are needed",
                P + ".top: found 3; model 'main' has 2 layers, and a top set of every layer is locked in by construction; allowed: 1..1");
        // top = layers is refused too: 4 of a 4-layer model
        assertThat(Steps.create("circuit-lock-in", "models = [deep], suite = fam, split = all, families = [copying], prompts-per-family = 2,"
                + " top = 4").validate(study)).extracting(Object::toString).containsExactly(P + ".top: found 4; model 'deep' has 4 layers, and a top set of every layer is"
                        + " locked in by construction; allowed: 1..3");
    }
}
