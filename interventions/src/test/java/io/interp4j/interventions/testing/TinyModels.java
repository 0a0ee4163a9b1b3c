package io.interp4j.interventions.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.testkit.RefTensor;
import io.interp4j.testkit.ReferenceQwen2;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;

/**
 * Two tiny random Qwen2 models ("base" and "trained": 3 blocks, d_model 32, heads 4 / KV 2, untied),
 * loaded by the djl engine and by the independent double-precision reference, with named prompt sets
 * and a stand-in for the probe registry. One per test class, written into its static temporary
 * directory.
 */
public final class TinyModels implements AutoCloseable {
    /** The architecture of both models. */
    public static final ModelConfig CONFIG = ModelConfig.of(260, 32, 64, 3, 4, 2, false);
    /** The largest absolute logit difference allowed between the engine and the reference. */
    public static final double TOLERANCE = 1e-4;

    /** The model interventions run on. */
    public final Model base;
    /** A second model of the same architecture, the source of cross-model patching. */
    public final Model trained;
    /** The reference of {@link #base}. */
    public final ReferenceQwen2 baseReference;
    /** The reference of {@link #trained}. */
    public final ReferenceQwen2 trainedReference;
    /** The prompt sets: clean, corrupt, resample (3 × 6 tokens), reference (lengths 5–8), single (1 prompt). */
    public final Map<String, List<int[]>> sets;
    /** The probe registry stand-in. */
    public final TestProbes probes;

    private TinyModels(Path dir) {
        Path baseDir = dir.resolve("base");
        Path trainedDir = dir.resolve("trained");
        RandomCheckpoint.write(baseDir, CONFIG, DType.F32, 11);
        RandomCheckpoint.write(trainedDir, CONFIG, DType.F32, 12);
        base = load(baseDir);
        trained = load(trainedDir);
        baseReference = ReferenceQwen2.load(baseDir);
        trainedReference = ReferenceQwen2.load(trainedDir);
        Map<String, List<int[]>> s = new LinkedHashMap<>();
        s.put("clean", List.of(tokens(6, 1), tokens(6, 2), tokens(6, 3)));
        s.put("corrupt", List.of(tokens(6, 4), tokens(6, 5), tokens(6, 6)));
        s.put("resample", List.of(tokens(6, 7), tokens(6, 8), tokens(6, 9)));
        s.put("reference", List.of(tokens(5, 10), tokens(6, 11), tokens(7, 12), tokens(8, 13)));
        s.put("single", List.of(tokens(4, 14)));
        sets = Map.copyOf(s);
        probes = new TestProbes();
    }

    /**
     * Writes and loads the models.
     *
     * @param dir an empty directory
     * @return the fixture, to be closed
     */
    public static TinyModels write(Path dir) {
        return new TinyModels(dir);
    }

    /**
     * Loads a model directory with the djl engine.
     *
     * @param dir the directory
     * @return the model
     */
    public static Model load(Path dir) {
        return new DjlEngineProvider().load(Checkpoint.open(dir));
    }

    private static int[] tokens(int length, long seed) {
        return new Random(seed).ints(length, 0, CONFIG.vocabSize()).toArray();
    }

    /**
     * Returns a prompt of a set.
     *
     * @param set the set
     * @param index the index
     * @return its tokens
     */
    public int[] prompt(String set, int index) {
        return sets.get(set).get(index).clone();
    }

    /**
     * Returns a context on the base model for a target prompt, with {@code trained} as another model.
     *
     * @param set the target's set
     * @param index the target's index
     * @return the context
     */
    public InterventionContext context(String set, int index) {
        return context(base, Map.of("trained", trained), set, index);
    }

    /**
     * Returns a context for a target prompt.
     *
     * @param model the model the interventions run on
     * @param others other models by name
     * @param set the target's set
     * @param index the target's index
     * @return the context
     */
    public InterventionContext context(Model model, Map<String, Model> others, String set, int index) {
        return new InterventionContext(model, others, sets, new InterventionContext.Target(set, index, prompt(set, index)), probes);
    }

    /**
     * Finds a plugin with {@link ServiceLoader}.
     *
     * @param id the plugin id
     * @return the factory
     */
    public static InterventionFactory factory(String id) {
        return ServiceLoader.load(InterventionFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no plugin " + id));
    }

    /**
     * Resolves settings against the reference.conf and creates the plan, as the app does.
     *
     * @param id the plugin id
     * @param hocon the user's settings
     * @return the plan
     */
    public static InterventionPlan plan(String id, String hocon) {
        return factory(id).create(PluginSettings.resolve(PluginKind.INTERVENTION, id, ConfigFactory.parseString(hocon)));
    }

    /**
     * Resolves a plan for a target prompt of the base model and runs that prompt with its interventions.
     *
     * @param plan the plan
     * @param set the target's set
     * @param index the target's index
     * @return the logits, row-major {@code [1, pos, vocab]}
     */
    public float[] run(InterventionPlan plan, String set, int index) {
        return logits(base, plan.resolve(context(set, index)), prompt(set, index));
    }

    /**
     * Runs a prompt with interventions on the engine.
     *
     * @param model the model
     * @param interventions applied in order
     * @param tokens the prompt
     * @return the logits, row-major
     */
    public static float[] logits(Model model, List<Intervention> interventions, int[] tokens) {
        try (Run run = model.newRun()) {
            interventions.forEach(run::intervene);
            return run.forward(tokens).logits().toFloatArray();
        }
    }

    /**
     * Runs a prompt through the base reference with hand-written overrides.
     *
     * @param tokens the prompt
     * @param overrides hook point to replacement
     * @return the reference logits
     */
    public RefTensor reference(int[] tokens, Map<HookPoint, UnaryOperator<RefTensor>> overrides) {
        return baseReference.forward(tokens, overrides).logits();
    }

    /**
     * Asserts that engine logits match reference logits within {@link #TOLERANCE}, and differ from
     * the unmodified reference by more than {@code 1e-3} (the intervention did something).
     *
     * @param engine the engine's logits
     * @param expected the reference with the intervention applied by hand
     * @param clean the reference without it
     */
    public static void assertMatches(float[] engine, RefTensor expected, RefTensor clean) {
        assertThat(maxAbsDiff(engine, expected)).as("max-abs difference from the hand-applied reference").isLessThanOrEqualTo(TOLERANCE);
        assertThat(maxAbsDiff(engine, clean)).as("max-abs difference from the unmodified model").isGreaterThan(1e-3);
    }

    /**
     * Returns the largest absolute difference.
     *
     * @param engine float values
     * @param reference double values of the same length
     * @return the max-abs difference
     */
    public static double maxAbsDiff(float[] engine, RefTensor reference) {
        double[] expected = reference.data();
        assertThat(engine).hasSize(expected.length);
        double max = 0;
        for (int i = 0; i < engine.length; i++) {
            max = Math.max(max, Math.abs(engine[i] - expected[i]));
        }
        return max;
    }

    /**
     * Returns the largest absolute difference of two float arrays.
     *
     * @param a values
     * @param b values of the same length
     * @return the max-abs difference
     */
    public static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSize(b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /**
     * Returns a seeded Gaussian vector.
     *
     * @param size its length
     * @param seed the seed
     * @return the values
     */
    public static float[] gaussian(int size, long seed) {
        Random random = new Random(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @Override
    public void close() {
        base.close();
        trained.close();
    }
}
