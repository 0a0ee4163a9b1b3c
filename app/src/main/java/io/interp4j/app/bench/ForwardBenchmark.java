package io.interp4j.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Inputs;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Measures one model's load time, prefill time and peak resident memory, and as the baseline the
 * time of exactly the matrix products one forward needs (every projection of every layer, the
 * attention products per head, and the unembedding) on random arrays of the same shapes, in the same
 * process and on the same engine's tensor library. With {@code --cache SITE} it also times, alternating
 * with the plain forward, a forward that caches that site at every layer, and prints the ratio.
 */
final class ForwardBenchmark {
    private final PluginRegistry registry;

    ForwardBenchmark(PluginRegistry registry) {
        this.registry = registry;
    }

    void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("model", "tokens", "engine", "repeats", "quantization", "cache"));
        Path directory = args.path("model");
        int tokens = args.integer("tokens", 128, 1, 1 << 16);
        int repeats = args.integer("repeats", 5, 1, 1000);
        String engine = args.get("engine").orElse("djl");
        registry.engine(engine);

        long weightBytes;
        List<Path> files;
        List<HookPoint> cachedPoints;
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            weightBytes = checkpoint.float32WeightBytes();
            files = checkpoint.weightFiles();
            cachedPoints = args.get("cache").map(site -> pointsOf(checkpoint.config(), site)).orElse(List.of());
        }
        warmPageCache(files);

        long loadStart = System.nanoTime();
        try (Model model = registry.loadModel(engine, directory, Inputs.loadOptions(args))) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            ModelConfig config = model.config();
            int[] ids = new Random(42).ints(tokens, 0, config.vocabSize()).toArray();
            double[] forwardMillis = new double[repeats];
            double[] cachingMillis = new double[repeats];
            try (Run run = model.newRun(); Run caching = model.newRun()) {
                caching.cache(cachedPoints);
                run.forward(ids).logits().close(); // warm-up
                if (!cachedPoints.isEmpty()) {
                    closeAll(caching.forward(ids)); // warm-up, compiling the caching graph on engines that compile
                }
                for (int i = 0; i < repeats; i++) {
                    long t = System.nanoTime();
                    run.forward(ids).logits().close();
                    forwardMillis[i] = (System.nanoTime() - t) / 1e6;
                    if (!cachedPoints.isEmpty()) {
                        // alternating with the plain forward, so a busy machine slows both alike
                        t = System.nanoTime();
                        closeAll(caching.forward(ids));
                        cachingMillis[i] = (System.nanoTime() - t) / 1e6;
                    }
                }
                long peakRss = peakResidentBytes();
                double[] baselineMillis = baseline(run.manager(), config, tokens, repeats);
                double forward = median(forwardMillis);
                double matmul = median(baselineMillis);
                out.printf(Locale.ROOT, "bench forward: engine %s, model %s%n", engine, directory);
                out.printf(Locale.ROOT, "  shapes           %d layers, d_model %d, %d/%d heads, d_mlp %d, vocab %d, %,d parameters%n",
                        config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKvHeads(),
                        config.intermediateSize(), config.vocabSize(), config.parameterCount());
                out.printf(Locale.ROOT, "  load             %.3f s (warm page cache)%n", loadSeconds);
                out.printf(Locale.ROOT, "  prefill          %d tokens: median %.1f ms over %d runs (%.1f tokens/s)%n",
                        tokens, forward, repeats, tokens * 1000 / forward);
                if (!cachedPoints.isEmpty()) {
                    double cachingForward = median(cachingMillis);
                    out.printf(Locale.ROOT, "  caching          %s at %d points: median %.1f ms, %.2fx the plain forward (alternating runs)%n",
                            args.get("cache").get(), cachedPoints.size(), cachingForward, cachingForward / forward);
                }
                out.printf(Locale.ROOT, "  bare matmuls     median %.1f ms (same shapes, same process)%n", matmul);
                out.printf(Locale.ROOT, "  prefill speed    %.2f of the bare-matmul baseline (baseline time / prefill time)%n", matmul / forward);
                out.printf(Locale.ROOT, "  peak RSS         %.2f GiB; float32 weights %.2f GiB; ratio %.2f%n",
                        peakRss / 1073741824.0, weightBytes / 1073741824.0, (double) peakRss / weightBytes);
            }
        }
    }

    private static double[] baseline(NDManager parent, ModelConfig config, int tokens, int repeats) {
        double[] millis = new double[repeats + 1];
        try (NDManager m = parent.newSubManager()) {
            long d = config.hiddenSize();
            long q = (long) config.numHeads() * config.headDim();
            long kv = (long) config.numKvHeads() * config.headDim();
            long mlp = config.intermediateSize();
            NDArray x = m.randomNormal(new Shape(1, tokens, d));
            NDArray xq = m.randomNormal(new Shape(1, tokens, q));
            NDArray xm = m.randomNormal(new Shape(1, tokens, mlp));
            NDArray wq = m.randomNormal(new Shape(q, d)).transpose();
            NDArray wkv = m.randomNormal(new Shape(kv, d)).transpose();
            NDArray wo = m.randomNormal(new Shape(d, q)).transpose();
            NDArray wUp = m.randomNormal(new Shape(mlp, d)).transpose();
            NDArray wDown = m.randomNormal(new Shape(d, mlp)).transpose();
            NDArray unembed = m.randomNormal(new Shape(config.vocabSize(), d)).transpose();
            NDArray heads = m.randomNormal(new Shape(1, config.numHeads(), tokens, config.headDim()));
            NDArray keysT = m.randomNormal(new Shape(1, config.numHeads(), config.headDim(), tokens));
            NDArray pattern = m.randomNormal(new Shape(1, config.numHeads(), tokens, tokens));
            for (int r = 0; r <= repeats; r++) {
                long t = System.nanoTime();
                for (int layer = 0; layer < config.numLayers(); layer++) {
                    try (NDManager scope = m.newSubManager()) {
                        NDArray[] products = {
                            x.matMul(wq), x.matMul(wkv), x.matMul(wkv), heads.matMul(keysT), pattern.matMul(heads),
                            xq.matMul(wo), x.matMul(wUp), x.matMul(wUp), xm.matMul(wDown)
                        };
                        for (NDArray p : products) {
                            p.attach(scope);
                        }
                    }
                }
                x.matMul(unembed).close();
                millis[r] = (System.nanoTime() - t) / 1e6;
            }
        }
        return Arrays.copyOfRange(millis, 1, millis.length); // the first round is a warm-up
    }

    /** Every hook point of a site, named by its suffix with or without {@code hook_} ({@code resid_post}, {@code attn.hook_z}). */
    private static List<HookPoint> pointsOf(ModelConfig config, String site) {
        List<String> known = new ArrayList<>();
        for (HookSite s : HookSite.values()) {
            if (s.suffix().equals(site) || s.suffix().replace("hook_", "").equals(site)) {
                return HookPoint.all(config).stream().filter(p -> p.site() == s).toList();
            }
            known.add(s.suffix().replace("hook_", ""));
        }
        throw new UsageException("--cache: unknown hook site '" + site + "'; allowed: " + String.join(", ", known));
    }

    private static void closeAll(ForwardResult result) {
        result.logits().close();
        result.cache().asMap().values().forEach(NDArray::close);
    }

    static void warmPageCache(List<Path> files) {
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                while (in.read(buffer) >= 0) {
                    // reading is the point: the load below is timed from a warm page cache
                }
            } catch (IOException e) {
                throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot read: " + e.getMessage(), e);
            }
        }
    }

    /** VmHWM of /proc/self/status: the peak resident set of this process. */
    static long peakResidentBytes() {
        return status("VmHWM:");
    }

    /** VmRSS of /proc/self/status: the resident set now. */
    static long residentBytes() {
        return status("VmRSS:");
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

}
