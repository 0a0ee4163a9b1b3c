package io.interp4j.experiments.atlas.adapternorm;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.LoraStudy;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.RandomAdapters;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterNormEffectTest {
    private static final String P = TinyStudy.PATH;
    /** A step whose adapter is dominated by A: large A, tiny B of the same size in every block. */
    private static final String FLAT = "flat-training";

    @TempDir
    static Path dir;

    static TinyStudy study;

    @BeforeAll
    static void writeStudy() {
        study = LoraStudy.create(dir);
        RandomAdapters.write(LoraStudy.adapter(study, FLAT, "deep"), LoraStudy.DEEP, LoraStudy.RANK, LoraStudy.ALPHA, 2,
                new double[] {0.01, 0.02, 0.015, 0.03}, 13);
    }

    @AfterAll
    static void closeStudy() {
        study.close();
    }

    /** Per-layer norms read from the adapter file directly: {ab, update}, with B·A multiplied out. */
    private static double[][] norms(Path adapter, int layers) {
        double[] ab = new double[layers];
        double[] update = new double[layers];
        try (LoraAdapter lora = LoraAdapter.open(adapter)) {
            for (LoraAdapter.Module m : lora.modules()) {
                float[] a = lora.read(m.a());
                float[] b = lora.read(m.b());
                int r = (int) m.a().shape()[0];
                int in = (int) m.a().shape()[1];
                int out = (int) m.b().shape()[0];
                for (float v : a) {
                    ab[m.layer()] += (double) v * v;
                }
                for (float v : b) {
                    ab[m.layer()] += (double) v * v;
                }
                double scaling = LoraStudy.ALPHA / LoraStudy.RANK;
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double product = 0;
                        for (int k = 0; k < r; k++) {
                            product += (double) b[o * r + k] * a[k * in + i];
                        }
                        update[m.layer()] += scaling * product * scaling * product;
                    }
                }
            }
        }
        return new double[][] {Arrays.stream(ab).map(Math::sqrt).toArray(), Arrays.stream(update).map(Math::sqrt).toArray()};
    }

    /**
     * Per-layer effect, family means by hand: KL(trained ‖ trained with the base model's resid_post at L), or with
     * the base model's block L contribution in place of the trained model's ({@code contribution}).
     */
    private static double[] effects(String step, String name, List<Task> tasks, boolean contribution) {
        Model base = study.raw(name);
        try (Model trained = LoraStudy.trained(study, step, name)) {
            Tokenizer tokenizer = base.requireTokenizer();
            int layers = base.config().numLayers();
            double[][] kl = new double[layers][tasks.size()];
            for (int t = 0; t < tasks.size(); t++) {
                int[] tokens = tokenizer.encode(tasks.get(t).prompt());
                float[] reference = HandRuns.last(trained, tokens, Map.of());
                float[][] basePost = HandRuns.residPost(base, tokens);
                float[][] baseContribution = HandRuns.contributions(base, tokens);
                for (int l = 0; l < layers; l++) {
                    int layer = l;
                    HandRuns.BlockEdit edit = contribution ? HandRuns.contribution(baseContribution[layer])
                            : (pre, post, positions, hidden) -> basePost[layer].clone();
                    kl[l][t] = Independent.kl(reference, HandRuns.last(trained, tokens, Map.of(l, edit)));
                }
            }
            List<String> families = tasks.stream().map(Task::family).toList();
            return Arrays.stream(kl).mapToDouble(k -> HandRuns.familyMean(k, families)).toArray();
        }
    }

    /** Ranks 1..n of distinct values. */
    private static double[] ranks(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            for (double v : values) {
                if (v <= values[i]) {
                    out[i]++;
                }
            }
        }
        return out;
    }

    private static double atlasValue(StepResult result, String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        List<Object> row = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key)
                && cell(atlas, r, "protocol").equals(protocol) && cell(atlas, r, "model").equals(model)).findFirst()
                .orElseThrow(() -> new AssertionError("no atlas row " + key));
        return number(atlas, row, "value");
    }

    @Test
    void correlatesHandReadNormsWithHandPatchedEffects() {
        Experiment experiment = Steps.create("adapter-norm-effect", "models = [deep], suite = main, split = all");
        assertThat(experiment.validate(study)).isEmpty();
        List<Task> tasks = study.suite("main").tasks();
        // per prompt: the base run and the trained reference, then 4 layers patched per protocol
        long forwards = 6 * (2 + 4 * 2);
        assertThat(experiment.forwardPasses(study)).isEqualTo(forwards);
        Steps.Counter progress = new Steps.Counter();
        study.takeForwards();
        StepResult result = experiment.run(study, progress);
        assertThat(progress.total()).isEqualTo(forwards);
        assertThat(study.takeForwards()).isEqualTo(forwards);

        double[][] norms = norms(LoraStudy.adapter(study, LoraStudy.STEP, "deep"), 4);
        double[] effect = effects(LoraStudy.STEP, "deep", tasks, false);
        double[] own = effects(LoraStudy.STEP, "deep", tasks, true);
        Table layers = table(result, "norm-effect-layers");
        assertThat(layers.rows()).hasSize(4);
        for (int l = 0; l < 4; l++) {
            List<Object> row = layers.rows().get(l);
            assertThat(number(layers, row, "layer")).isEqualTo(l);
            assertThat(number(layers, row, "modules")).isEqualTo(4);
            assertThat(number(layers, row, "ab_norm")).isCloseTo(norms[0][l], within(1e-5 * norms[0][l]));
            assertThat(number(layers, row, "update_norm")).isCloseTo(norms[1][l], within(1e-5 * norms[1][l]));
            assertThat(number(layers, row, "resid_post_effect")).as("effect L%d", l).isCloseTo(effect[l], within(1e-5 + 1e-4 * effect[l]));
            assertThat(number(layers, row, "contribution_effect")).as("own effect L%d", l).isCloseTo(own[l], within(1e-5 + 1e-4 * own[l]));
        }
        assertThat(atlasValue(result, "adapter-norm-effect.pearson", "published", "deep"))
                .isCloseTo(Independent.pearson(norms[0], effect), within(1e-4));
        assertThat(atlasValue(result, "adapter-norm-effect.pearson", "corrected", "deep"))
                .isCloseTo(Independent.pearson(norms[1], own), within(1e-4));
        assertThat(atlasValue(result, "adapter-norm-effect.spearman", "corrected", "deep"))
                .isCloseTo(Independent.pearson(ranks(norms[1]), ranks(own)), within(1e-9));
        // the resid_post patch is cumulative: the last layer's equals the whole adapter's effect, which no single
        // layer's own contribution need reach
        assertThat(effect[3]).isGreaterThan(own[3]);
        // 4 layers: fewer than a correlation needs, flagged
        assertThat(table(result, "atlas-flags").rows()).anySatisfy(r -> assertThat((String) r.get(4))
                .startsWith("a correlation over 4 layers (fewer than 5)"));
        Table correlations = table(result, "norm-effect-correlations");
        assertThat(correlations.rows()).anySatisfy(r -> {
            assertThat(r.subList(0, 4)).containsExactly("deep", "corrected", "update-norm", "pearson");
            assertThat(number(correlations, r, "ci_low")).isLessThanOrEqualTo(number(correlations, r, "ci_high"));
        });
        // B differs a lot between blocks here, so the norms are not flat
        assertThat(table(result, "atlas-flags").rows()).noneMatch(r -> ((String) r.get(4)).startsWith("norms nearly flat"));
    }

    /**
     * The seed's prompt sets differed by scale: the published resid_post patches run on the published prompts
     * alone (the first of each family here) and average over them, the corrected contributions on every prompt.
     */
    @Test
    void thePublishedPatchesRunOnThePublishedPromptsAlone() {
        Experiment experiment = Steps.create("adapter-norm-effect", "models = [deep], suite = main, split = all,"
                + " per-model { deep { published-prompts-per-family = 1 } }");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.describe()).contains("with per-model prompts");
        List<Task> tasks = study.suite("main").tasks();
        List<Task> first = tasks.stream().filter(t -> tasks.stream().filter(u -> u.family().equals(t.family())).findFirst()
                .orElseThrow() == t).toList();
        assertThat(first.size()).as("a proper subset").isLessThan(tasks.size());
        long forwards = 2L * tasks.size() + 4L * first.size() + 4L * tasks.size();
        assertThat(experiment.forwardPasses(study)).isEqualTo(forwards);
        study.takeForwards();
        StepResult result = experiment.run(study, new Steps.Counter());
        assertThat(study.takeForwards()).isEqualTo(forwards);
        double[] effect = effects(LoraStudy.STEP, "deep", first, false);
        double[] own = effects(LoraStudy.STEP, "deep", tasks, true);
        Table layers = table(result, "norm-effect-layers");
        for (int l = 0; l < 4; l++) {
            List<Object> row = layers.rows().get(l);
            assertThat(number(layers, row, "resid_post_effect")).as("effect L%d", l).isCloseTo(effect[l], within(1e-5 + 1e-4 * effect[l]));
            assertThat(number(layers, row, "contribution_effect")).as("own effect L%d", l).isCloseTo(own[l], within(1e-5 + 1e-4 * own[l]));
        }
        Table prompts = table(result, "norm-effect-prompts");
        assertThat(prompts.rows().stream().filter(r -> cell(prompts, r, "protocol").equals("published"))).hasSize(4 * first.size());
        assertThat(result.summary()).containsEntry("prompts.deep", tasks.size()).containsEntry("published-prompts.deep", first.size());
    }

    @Test
    void flagsNormsThatTheInitialisationOfADominates() {
        StepResult result = Steps.create("adapter-norm-effect",
                        "models = [deep], suite = main, split = all, training-step = " + FLAT + ", protocols = [published]")
                .run(study, new Steps.Counter());
        double[] ab = norms(LoraStudy.adapter(study, FLAT, "deep"), 4)[0];
        double mean = Arrays.stream(ab).average().orElseThrow();
        double cv = Math.sqrt(Arrays.stream(ab).map(v -> (v - mean) * (v - mean)).sum() / 4) / mean;
        assertThat(cv).isLessThan(0.05);
        assertThat(atlasValue(result, "adapter-norm-effect.norm-cv", "both", "deep")).isCloseTo(cv, within(1e-6));
        assertThat(table(result, "atlas-flags").rows()).anySatisfy(r -> {
            assertThat(r.get(1)).isEqualTo("published");
            assertThat((String) r.get(4)).startsWith("norms nearly flat: random init of A dominates").contains("A holds 9");
        });
    }

    @Test
    void validationAndSettings() {
        assertThat(Steps.create("adapter-norm-effect", "models = [main, nope], suite = main, split = dev").validate(study)).extracting(Object::toString).containsExactly(
                P + ".models: unknown model 'nope'; the study's models: [deep, main, other, untokenized]",
                P + ".split: split 'dev' selects no task of suite 'main'; its splits: all, test, train");
        assertThatThrownBy(() -> Steps.create("adapter-norm-effect", "flat-cv = -1, models = lots"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.experiment.adapter-norm-effect.models: found \"lots\"; allowed: all, or a non-empty list of study"
                        + " model names\n"
                        + "interp4j.experiment.adapter-norm-effect.flat-cv: found -1.0; allowed: a coefficient of variation >= 0 (0 never"
                        + " flags)");
    }
}
