package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New sets of hook points do not copy the weights: resident memory (VmRSS) after five observed and
 * five replaced hook sets grows, over the eight sets after the first of each, by less than the weights'
 * size once. Before observed points became outputs of one fused graph and cut graphs read the weights in
 * place (without an arena of their own), every set added about the weights' size, eight copies in all;
 * the JVM's own heap and allocator arenas grow by some tens of MiB from run to run (22 and 56 MiB
 * measured), so the bound is one copy, not a fraction of one.
 */
class OnnxHookSetMemoryTest {
    private static final HookSite[] SITES = {HookSite.RESID_POST, HookSite.RESID_MID, HookSite.ATTN_Z, HookSite.MLP_POST, HookSite.ATTN_OUT};

    private static final ModelConfig CONFIG = ModelConfig.of(4000, 256, 1024, 24, 4, 2, false);

    @TempDir
    Path dir;

    @Test
    void fiveHookSetsDoNotGrowResidentMemoryBeyondTheActivations() throws IOException {
        long weightBytes = writeModel();
        int[] tokens = new Random(5).ints(20, 0, CONFIG.vocabSize()).toArray();
        try (Model model = new OnnxEngineProvider().load(Checkpoint.open(dir.resolve("m")))) {
            forward(model, 0, tokens, false);
            forward(model, 0, tokens, true);
            long first = residentBytes();
            for (int set = 1; set < SITES.length; set++) {
                forward(model, set, tokens, false);
                forward(model, set, tokens, true);
            }
            long growth = residentBytes() - first;
            assertThat(growth).as("resident memory growth over four more observed and four more replaced hook sets (weights: %d bytes)",
                    weightBytes).isLessThan(weightBytes);
        }
    }

    /**
     * Interventions compiled into the graph do not copy the weights either: eight observed forwards, each
     * with another block's contribution zeroed or another block's residual stream steered from layer 0
     * (a graph of its own each), grow resident memory by less than four times the weights' size. Before, every
     * such graph received the weights as initializers, so ONNX Runtime prepacked a copy of them, and kept
     * an arena for its outputs: the plain executor's forwards (each intervention watched for firing) on a
     * 0.5B-shaped model grew by about 2.5 GB per new intervention and ran out of 24 GiB within seconds.
     */
    @Test
    void interventionGraphsFromLayerZeroDoNotCopyTheWeights() throws IOException {
        long weightBytes = writeModel();
        int[] tokens = new Random(5).ints(20, 0, CONFIG.vocabSize()).toArray();
        float[] direction = new float[CONFIG.hiddenSize()];
        direction[0] = 1;
        TensorData vector = TensorData.vector(direction);
        try (Model model = new OnnxEngineProvider().load(Checkpoint.open(dir.resolve("m")))) {
            intervened(model, tokens, Intervention.zero(new Site.Contribution(0), Positions.ALL));
            intervened(model, tokens, Intervention.add(new Site.AtHook(HookPoint.block(0, HookSite.RESID_POST)), Positions.LAST, 2, vector, "test"));
            long first = residentBytes();
            for (int layer = 1; layer < 5; layer++) {
                intervened(model, tokens, Intervention.zero(new Site.Contribution(layer), Positions.ALL));
                intervened(model, tokens, Intervention.add(new Site.AtHook(HookPoint.block(layer, HookSite.RESID_POST)), Positions.LAST, 2, vector,
                        "test"));
            }
            long growth = residentBytes() - first;
            // before the fix this grew by 1.42 GB (about 14 times the weights); since, by 119 MB at most in the runs seen
            // (the JVM, the allocator and each new session's small arena), so four times the weights separates the two
            assertThat(growth).as("resident memory growth over eight more intervention graphs (weights: %d bytes)", weightBytes)
                    .isLessThan(4 * weightBytes);
        }
    }

    private static void intervened(Model model, int[] tokens, Intervention intervention) {
        boolean[] reached = new boolean[1];
        try (Run run = model.newRun()) {
            run.intervene(intervention);
            // as the plain executor watches whether an intervention fired
            run.observe(intervention.site().rewrittenPoint(), (activation, context) -> reached[0] = true);
            assertThat(run.forward(tokens).logits().getShape().get(1)).isEqualTo(tokens.length);
        }
        assertThat(reached[0]).isTrue();
    }

    /** Caches one site at every layer; with {@code replace}, a hook also hands back a copy at that site in one layer. */
    private static void forward(Model model, int set, int[] tokens, boolean replace) {
        ModelConfig config = model.config();
        List<HookPoint> points = HookPoint.all(config).stream().filter(p -> p.site() == SITES[set]).toList();
        try (Run run = model.newRun()) {
            run.cache(points);
            if (replace) {
                run.hook(HookPoint.block(3 + 4 * set, SITES[set]), (a, ctx) -> a.duplicate());
            }
            NDArray logits = run.forward(tokens).logits();
            assertThat(logits.getShape().get(1)).isEqualTo(tokens.length);
        }
    }

    /** Writes the test model (24 layers like Qwen2.5-0.5B, about 100 MiB of float32 weights); returns its weights' bytes. */
    private long writeModel() throws IOException {
        RandomCheckpoint.write(dir.resolve("m"), CONFIG, DType.F32, 1);
        try (Checkpoint checkpoint = Checkpoint.open(dir.resolve("m"))) {
            return checkpoint.float32WeightBytes();
        }
    }

    /** VmRSS of /proc/self/status. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
