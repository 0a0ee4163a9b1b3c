package io.interp4j.app.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.app.TestAdapters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every plugin on the class path is found through the registry and runs with its defaults (plus the
 * few settings a plugin requires, listed in {@link #REQUIRED}) on a tiny model.
 */
class PluginCatalogueTest {
    /** Settings without a usable default: a layer to act on, an adapter to read. */
    private static final Map<String, String> REQUIRED = Map.of(
            "intervention/zero-ablation", "layer = 1",
            "intervention/mean-ablation", "layer = 1",
            "intervention/resample-ablation", "layer = 1",
            "intervention/activation-patching", "layer = 1",
            "intervention/steering", "layer = 1",
            "intervention/knockout", "layer = 1",
            "intervention/layer-skip", "layers = [1]");

    @TempDir
    static Path dir;

    static PluginRegistry registry;
    static Model model;
    static Map<String, List<int[]>> prompts;

    @BeforeAll
    static void setUp() throws IOException {
        registry = PluginRegistry.discover();
        Path modelDir = dir.resolve("model");
        RandomCheckpoint.write(modelDir, ModelConfig.of(300, 32, 64, 2, 4, 2, true), DType.F32, 5);
        model = registry.loadModel("djl", modelDir);
        List<int[]> set = List.of(new int[] {5, 9, 13, 200}, new int[] {7, 8, 9, 10}, new int[] {50, 60, 70, 80});
        List<int[]> others = List.of(set.get(2), set.get(0), set.get(1));
        prompts = Map.of("prompts", set, "positive", set.subList(0, 2), "negative", set.subList(1, 3),
                "reference", set, "resample", others, "clean", others);
        TestAdapters.write(dir.resolve("adapter"), 32);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static Stream<String> ids() {
        PluginRegistry r = PluginRegistry.discover();
        return Stream.of(PluginKind.PROBE, PluginKind.INTERVENTION, PluginKind.METRIC)
                .flatMap(kind -> r.ids(kind).stream().map(id -> kind.configName() + "/" + id));
    }

    @Test
    void theCatalogueHoldsTheStudysBuildingBlocks() {
        assertThat(registry.failures()).isEmpty();
        assertThat(registry.ids(PluginKind.PROBE)).contains("activation-cache", "logit-lens", "attention-pattern",
                "activation-stats", "mean-difference", "adapter-norms");
        assertThat(registry.ids(PluginKind.INTERVENTION)).contains("zero-ablation", "mean-ablation", "resample-ablation",
                "activation-patching", "steering", "knockout", "layer-skip");
        assertThat(registry.ids(PluginKind.METRIC)).contains("kl-divergence", "top-k-overlap", "argmax-agreement",
                "target-probability", "target-logprob-drop", "logit-difference", "selectivity", "recovery", "pearson",
                "spearman", "repetition-ratio", "constraint-adherence", "throughput");
        for (PluginRegistry.Entry e : registry.entries()) {
            assertThat(e.module()).as(e.id()).isNotBlank();
            assertThat(e.version()).as(e.id()).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    void runsWithItsDefaults(String qualified) {
        String kind = qualified.substring(0, qualified.indexOf('/'));
        String id = qualified.substring(qualified.indexOf('/') + 1);
        Config user = ConfigFactory.parseString(REQUIRED.getOrDefault(qualified, ""));
        switch (kind) {
            case "probe" -> {
                if (id.equals("adapter-norms")) {
                    user = ConfigFactory.parseMap(Map.of("adapter", dir.resolve("adapter").toString()));
                }
                ProbeResult result = registry.probe(id, user).run(ProbeContext.of(model, prompts));
                assertThat(result.tensors().isEmpty() && result.rows().isEmpty()).as(id + " produced nothing").isFalse();
            }
            case "intervention" -> runIntervention(id, user);
            case "metric" -> {
                Metric metric = registry.metric(id, user);
                MetricResult result = metric.compute(inputFor(metric.inputType()));
                assertThat(result.unit()).isNotBlank();
                assertThat(metric.describe()).isNotBlank();
            }
            default -> throw new AssertionError(kind);
        }
    }

    private static void runIntervention(String id, Config user) {
        InterventionContext context = new InterventionContext(model, Map.of(), prompts,
                new InterventionContext.Target("prompts", 0, prompts.get("prompts").get(0)),
                (probe, settings, probeContext) -> registry.probe(probe, settings).run(probeContext));
        List<Intervention> interventions = registry.intervention(id, user).resolve(context);
        assertThat(interventions).isNotEmpty();
        int[] tokens = prompts.get("prompts").get(0);
        try (Run clean = model.newRun(); Run intervened = model.newRun()) {
            float[] before = clean.forward(tokens).logits().toFloatArray();
            interventions.forEach(intervened::intervene);
            float[] after = intervened.forward(tokens).logits().toFloatArray();
            assertThat(after).hasSameSizeAs(before);
            assertThat(Arrays.equals(before, after)).as(id + " changed nothing").isFalse();
        }
    }

    private static MetricInput inputFor(Class<? extends MetricInput> type) {
        if (type == MetricInput.LogitComparison.class) {
            TensorData reference = new TensorData(new long[] {2, 8}, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0});
            TensorData intervened = new TensorData(new long[] {2, 8}, new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 5, 0, 2, 0, 0, 1});
            return new MetricInput.LogitComparison(reference, intervened, OptionalInt.of(2), OptionalInt.of(1));
        }
        if (type == MetricInput.PairedSeries.class) {
            return new MetricInput.PairedSeries(new double[] {1, 2, 3}, new double[] {2, 4, 7});
        }
        if (type == MetricInput.SkillDrops.class) {
            return new MetricInput.SkillDrops(new double[] {0.2, 0.3}, new double[] {0.01});
        }
        if (type == MetricInput.Divergences.class) {
            return new MetricInput.Divergences(1, 4);
        }
        if (type == MetricInput.Generations.class) {
            return new MetricInput.Generations(List.of(new MetricInput.Generated("Answer in exactly two sentences.",
                    "One. Two.", 4, 1_000_000)));
        }
        throw new AssertionError("no test input for " + type);
    }
}
