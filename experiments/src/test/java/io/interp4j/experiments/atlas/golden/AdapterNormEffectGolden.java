package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.SafetensorsFile;
import io.interp4j.api.checkpoint.TensorInfo;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Adapter norm–effect correlation: the final adapter of each model, as the golden run's
 * {@code lora-training} step wrote it, is read tensor by tensor from {@code adapter_model.safetensors}
 * (its rank and {@code lora_alpha} from {@code adapter_config.json}), and per layer the root-sum-square
 * of ‖A‖_F and ‖B‖_F (published) and of (α/r)·‖B·A‖_F with B·A multiplied out (corrected) are summed in
 * double; the coefficient of variation of the first is {@code norm-cv}. Each layer's effect is
 * KL(trained ‖ trained with block L's {@code hook_resid_post} overwritten by the base model's) at the
 * last position (published) or KL(trained ‖ trained with block L's output rewritten as its input plus the
 * base model's block L contribution, resid_post − resid_pre) (corrected), by hand-installed Java hooks on
 * base + adapter loaded outside the study, averaged per family then over families; Pearson's r and
 * Spearman's ρ are then plain double sums.
 */
public final class AdapterNormEffectGolden implements GoldenRow {
    private static final String STEP = "adapter-norm-effect";
    private static final String TRAINING = "lora-training";
    private static final String SPLIT = "test";
    private static final double FLAT_CV = 0.05;
    /** PEFT's tensor names: the layer, the module path and the factor. */
    private static final Pattern LORA = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d+)\\.(.+)\\.lora_([AB])\\.weight");

    @Override
    public String settings() {
        // the reference's suite (families, split test) is already small in the golden run: 24 prompts
        return "flat-cv = " + FLAT_CV;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        StepResult.Table flags = atlas.result(STEP).tables().stream().filter(t -> t.name().equals("atlas-flags")).findFirst().orElseThrow();
        List<Task> tasks = atlas.suite("families").split(SPLIT).tasks();
        for (String model : GoldenAtlas.MODELS) {
            Path adapter = atlas.study().artefacts(TRAINING).resolve(model).resolve("adapter");
            int layers = atlas.study().modelConfig(model).numLayers();
            Norms norms = norms(adapter, layers);
            double[] effect = effects(atlas, model, adapter, tasks, false);
            double[] own = effects(atlas, model, adapter, tasks, true);
            assertThat(Arrays.stream(effect).min().orElseThrow()).as(model + ": every layer's patch changes the trained model")
                    .isGreaterThan(1e-6);
            assertThat(Arrays.stream(own).min().orElseThrow()).as(model + ": every layer's own patch changes the trained model")
                    .isGreaterThan(1e-6);

            double cv = norms.cv();
            ledger.number(STEP + ".norm-cv", "both", model, cv, 1e-5 * cv);
            boolean flat = flags.rows().stream().anyMatch(r -> r.get(1).equals("published") && r.get(2).equals(model)
                    && ((String) r.get(4)).startsWith("norms nearly flat"));
            assertThat(flat).as(model + ": the flat-norms flag (cv " + cv + ")").isEqualTo(cv < FLAT_CV);

            ledger.number(STEP + ".pearson", "published", model, Independent.pearson(norms.ab(), effect), 1e-4);
            ledger.number(STEP + ".pearson", "corrected", model, Independent.pearson(norms.update(), own), 1e-4);
            assertDistinct(model + " update norms", norms.update());
            assertDistinct(model + " effects", own);
            ledger.number(STEP + ".spearman", "corrected", model, Independent.spearman(norms.update(), own), 1e-9);
            for (String key : List.of(".pearson", ".spearman")) {
                Ledger.Cell cell = ledger.cell(STEP + key, "corrected", model);
                // a bootstrap interval of a correlation need not hold the point estimate; it must be an interval of r
                assertThat(cell.ciLow()).as(cell.name() + " CI").isNotNull().isBetween(-1.0 - 1e-9, cell.ciHigh());
                assertThat(cell.ciHigh()).as(cell.name() + " CI").isLessThanOrEqualTo(1.0 + 1e-9);
            }
        }
    }

    /**
     * Per-layer norms read from the adapter's files.
     *
     * @param modules adapted modules per layer
     * @param ab sqrt(Σ ‖A‖² + ‖B‖²) per layer
     * @param update sqrt(Σ ((α/r)·‖B·A‖)²) per layer
     */
    private record Norms(int[] modules, double[] ab, double[] update) {
        /** Population standard deviation over mean of ab, over the adapted layers. */
        double cv() {
            double[] adapted = IntStream.range(0, ab.length).filter(l -> modules[l] > 0).mapToDouble(l -> ab[l]).toArray();
            double mean = Arrays.stream(adapted).sum() / adapted.length;
            double squares = Arrays.stream(adapted).map(v -> (v - mean) * (v - mean)).sum();
            return Math.sqrt(squares / adapted.length) / mean;
        }
    }

    private static Norms norms(Path adapter, int layers) {
        Config config = ConfigFactory.parseFile(adapter.resolve("adapter_config.json").toFile());
        assertThat(config.hasPath("use_rslora") && config.getBoolean("use_rslora")).as("rsLoRA scaling").isFalse();
        double scaling = config.getDouble("lora_alpha") / config.getInt("r");
        int[] modules = new int[layers];
        double[] ab = new double[layers];
        double[] update = new double[layers];
        try (SafetensorsFile file = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            for (Map.Entry<String, TensorInfo> e : file.tensors().entrySet()) {
                Matcher m = LORA.matcher(e.getKey());
                assertThat(m.matches()).as("a PEFT LoRA tensor name: " + e.getKey()).isTrue();
                if (!m.group(3).equals("A")) {
                    continue;
                }
                int layer = Integer.parseInt(m.group(1));
                TensorInfo aInfo = e.getValue();
                TensorInfo bInfo = file.info(e.getKey().replace(".lora_A.", ".lora_B."));
                float[] a = file.readFloats(aInfo);
                float[] b = file.readFloats(bInfo);
                modules[layer]++;
                ab[layer] += squares(a) + squares(b);
                double product = productSquares(a, b, (int) aInfo.shape()[0], (int) aInfo.shape()[1], (int) bInfo.shape()[0]);
                update[layer] += scaling * scaling * product;
            }
        }
        assertThat(Arrays.stream(modules).min().orElseThrow()).as("adapted modules in every layer").isPositive();
        return new Norms(modules, Arrays.stream(ab).map(Math::sqrt).toArray(), Arrays.stream(update).map(Math::sqrt).toArray());
    }

    private static double squares(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return sum;
    }

    /** ‖B·A‖_F² with the {@code out × in} product formed entry by entry. */
    private static double productSquares(float[] a, float[] b, int rank, int in, int out) {
        double sum = 0;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double entry = 0;
                for (int k = 0; k < rank; k++) {
                    entry += (double) b[o * rank + k] * a[k * in + i];
                }
                sum += entry * entry;
            }
        }
        return sum;
    }

    /** Per-layer KL(trained ‖ trained with the base model's resid_post, or block contribution, at L), mean of family means. */
    private static double[] effects(GoldenAtlas atlas, String name, Path adapter, List<Task> tasks, boolean contribution) {
        Model base = atlas.study().raw(name);
        Tokenizer tokenizer = base.requireTokenizer();
        int layers = base.config().numLayers();
        double[][] kl = new double[layers][tasks.size()];
        try (Model trained = new DjlEngineProvider().load(Checkpoint.open(base.directory()), LoadOptions.withAdapter(adapter))) {
            for (int t = 0; t < tasks.size(); t++) {
                int[] tokens = tokenizer.encode(tasks.get(t).prompt());
                float[] reference = HandRuns.last(trained, tokens, Map.of());
                float[][] basePost = HandRuns.residPost(base, tokens);
                float[][] baseContribution = HandRuns.contributions(base, tokens);
                for (int l = 0; l < layers; l++) {
                    float[] replacement = basePost[l];
                    HandRuns.BlockEdit edit = contribution ? HandRuns.contribution(baseContribution[l])
                            : (pre, post, positions, hidden) -> replacement.clone();
                    kl[l][t] = Independent.kl(reference, HandRuns.last(trained, tokens, Map.of(l, edit)));
                }
            }
        }
        List<String> families = tasks.stream().map(Task::family).toList();
        return Arrays.stream(kl).mapToDouble(perPrompt -> HandRuns.familyMean(perPrompt, families)).toArray();
    }

    /** Spearman's ranks are exact only where float32 noise cannot swap two values: no near ties. */
    private static void assertDistinct(String what, double[] values) {
        for (int i = 0; i < values.length; i++) {
            for (int j = i + 1; j < values.length; j++) {
                double gap = Math.abs(values[i] - values[j]);
                double scale = Math.max(Math.abs(values[i]), Math.abs(values[j]));
                assertThat(gap).as(what + " " + Arrays.toString(values) + ": no near tie").isGreaterThan(1e-3 * scale);
            }
        }
    }
}
