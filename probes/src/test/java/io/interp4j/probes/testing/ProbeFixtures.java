package io.interp4j.probes.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.testkit.RefTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;

/** Tiny models, prompts and settings shared by the probe tests. */
public final class ProbeFixtures {
    /** Heads 4 / KV 2, d_model 32, untied embeddings, vocabulary 257. */
    public static final ModelConfig UNTIED = ModelConfig.of(257, 32, 64, 2, 4, 2, false);
    /** Heads 2 / KV 1, d_model 16, tied embeddings, vocabulary 300. */
    public static final ModelConfig TIED = ModelConfig.of(300, 16, 32, 2, 2, 1, true);

    private ProbeFixtures() {}

    /**
     * Writes a random model.
     *
     * @param parent where to put it
     * @param name its folder name
     * @param config the architecture
     * @param dtype the storage type
     * @param seed the seed
     * @return its directory
     */
    public static Path writeModel(Path parent, String name, ModelConfig config, DType dtype, long seed) {
        Path dir = parent.resolve(name);
        RandomCheckpoint.write(dir, config, dtype, seed);
        return dir;
    }

    /**
     * Loads a model with the djl engine.
     *
     * @param dir the model directory
     * @return the model, to be closed
     */
    public static Model load(Path dir) {
        return new DjlEngineProvider().load(Checkpoint.open(dir));
    }

    /**
     * Returns seeded random prompts.
     *
     * @param seed the seed
     * @param vocab the vocabulary size
     * @param lengths one length per prompt
     * @return the prompts
     */
    public static List<int[]> prompts(long seed, int vocab, int... lengths) {
        Random random = new Random(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int length : lengths) {
            prompts.add(random.ints(length, 0, vocab).toArray());
        }
        return prompts;
    }

    /**
     * Resolves a probe's settings strictly, as the app does.
     *
     * @param id the probe id
     * @param hocon the user's settings for the probe
     * @return the resolved settings
     */
    public static Config settings(String id, String hocon) {
        return PluginSettings.resolve(PluginKind.PROBE, id, ConfigFactory.parseString(hocon));
    }

    /**
     * Finds a probe factory through {@link ServiceLoader}.
     *
     * @param id the probe id
     * @return the factory
     */
    public static ProbeFactory factory(String id) {
        return ServiceLoader.load(ProbeFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no probe '" + id + "' found through ServiceLoader"));
    }

    /**
     * Creates a probe from user settings, resolved against the reference.conf.
     *
     * @param id the probe id
     * @param hocon the user's settings
     * @return the probe
     */
    public static Probe create(String id, String hocon) {
        return factory(id).create(settings(id, hocon));
    }

    /**
     * Returns the largest absolute difference.
     *
     * @param actual float32 values
     * @param expected double values
     * @return {@code max |a − e|}
     */
    public static double maxAbsDiff(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("lengths differ: " + actual.length + " vs " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }

    /**
     * Returns the largest absolute difference with a reference tensor.
     *
     * @param actual float32 values
     * @param expected the reference
     * @return {@code max |a − e|}
     */
    public static double maxAbsDiff(float[] actual, RefTensor expected) {
        return maxAbsDiff(actual, expected.data());
    }
}
