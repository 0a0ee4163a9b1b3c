package io.interp4j.app.bench;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.Quantization;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Compares every engine × weight scheme (or those {@code --weights} lists) on one model in one run:
 * load time, prefill of N tokens, per-token decode with the KV cache, and the resident set after the
 * runs; ratios against float32 on the same engine, measured in the same process (float32 is always
 * measured first).
 */
final class EngineComparison {
    private final PluginRegistry registry;

    EngineComparison(PluginRegistry registry) {
        this.registry = registry;
    }

    void run(List<String> arguments, PrintStream out) {
        Args args = Args.parse(arguments, Set.of("model", "tokens", "decode", "repeats", "engines", "weights"));
        Path directory = args.path("model");
        int tokens = args.integer("tokens", 128, 1, 1 << 16);
        int decode = args.integer("decode", 16, 2, 4096);
        int repeats = args.integer("repeats", 3, 1, 1000);
        List<String> engines = List.of(args.get("engines").orElse(String.join(",", registry.ids(io.interp4j.api.plugin.PluginKind.ENGINE))).split(","));
        engines.forEach(registry::engine);
        List<Quantization> schemes = schemes(args);
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            ForwardBenchmark.warmPageCache(checkpoint.weightFiles());
        }
        out.printf(Locale.ROOT, "bench engines: %s, prefill %d tokens (median of %d), decode %d tokens with the KV cache%n",
                directory, tokens, repeats, decode);
        out.printf(Locale.ROOT, "  %-6s %-7s %8s %12s %12s %14s %10s %12s%n", "engine", "weights", "load s", "prefill ms",
                "vs float32", "decode tok/s", "vs float32", "RSS GiB");
        for (String engine : engines) {
            double prefill32 = 0;
            double decode32 = 0;
            for (Quantization scheme : schemes) {
                long start = System.nanoTime();
                try (Model model = registry.loadModel(engine, directory, LoadOptions.defaults().withQuantization(scheme))) {
                    double load = (System.nanoTime() - start) / 1e9;
                    ModelConfig config = model.config();
                    int[] ids = new Random(7).ints(tokens, 0, config.vocabSize()).toArray();
                    double[] prefill = new double[repeats];
                    double decodeRate;
                    try (Run run = model.newRun()) {
                        run.forward(ids).logits().close();
                        for (int i = 0; i < repeats; i++) {
                            long t = System.nanoTime();
                            run.forward(ids).logits().close();
                            prefill[i] = (System.nanoTime() - t) / 1e6;
                        }
                        run.generate(new int[] {ids[0], ids[1]}, new GenerationOptions(2, true, false)); // warm-up
                        Generation generation = run.generate(new int[] {ids[0], ids[1], ids[2]}, new GenerationOptions(decode, true, false));
                        decodeRate = generation.decodeTokensPerSecond();
                    }
                    double prefillMs = ForwardBenchmark.median(prefill);
                    if (scheme == Quantization.NONE) {
                        prefill32 = prefillMs;
                        decode32 = decodeRate;
                    }
                    out.printf(Locale.ROOT, "  %-6s %-7s %8.2f %12.1f %11.2fx %14.2f %9.2fx %12.2f%n", engine, scheme.configName(), load,
                            prefillMs, prefill32 / prefillMs, decodeRate, decodeRate / decode32, ForwardBenchmark.residentBytes() / 1073741824.0);
                    model.quantization().ifPresent(q -> out.println("         " + q.describe()));
                }
            }
        }
        out.printf(Locale.ROOT, "  peak RSS of the whole run %.2f GiB%n", ForwardBenchmark.peakResidentBytes() / 1073741824.0);
    }

    /** float32 first (the ratios' base), then the listed schemes in their order, each once. */
    private static List<Quantization> schemes(Args args) {
        Set<Quantization> schemes = new LinkedHashSet<>();
        schemes.add(Quantization.NONE);
        if (args.get("weights").isEmpty()) {
            schemes.addAll(List.of(Quantization.values()));
        } else {
            for (String name : args.get("weights").get().split(",")) {
                try {
                    schemes.add(Quantization.parse(name.trim(), "--weights"));
                } catch (Interp4jException e) {
                    throw new UsageException(e.getMessage());
                }
            }
        }
        return List.copyOf(schemes);
    }
}
