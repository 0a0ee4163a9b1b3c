package io.interp4j.app.bench;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.Quantization;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Compares every engine × weight scheme (or those {@code --weights} lists) on one model in one run:
 * load time, prefill of N tokens, per-token decode with the KV cache, and the resident set after the
 * runs; ratios against float32 on the same engine, measured in the same process (float32 is always
 * measured first, after an untimed warm-up of the same engine, so that it does not alone pay for the
 * JIT compiling the forward's Java code and the thread pools starting).
 */
@Command(name = "engines", sortOptions = false, description = {
    "Every engine x float32 and each weight scheme (default all: int8, nf4, q8, q4, llm-int8) in one run: load, prefill, per-token "
    + "decode tokens/s, resident memory, ratios to float32 measured in the same run."})
final class EngineComparison implements Runnable {
    /** Untimed float32 forwards before an engine's first timed configuration. */
    static final int WARM_UP_FORWARDS = 5;

    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path directory;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "128", description = "Prefill length, 1 to 65536 (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--decode", paramLabel = "N", defaultValue = "16", description = "Decoded tokens, 2 to 4096 (default: ${DEFAULT-VALUE}).")
    private int decode;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed prefills and decodes (medians), 1 to 1000"
            + " (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--engines", split = ",", paramLabel = "ID", description = "Engines, comma-separated (default: every engine found).")
    private List<String> engines;

    @Option(names = "--weights", split = ",", paramLabel = "SCHEME", description = "Weight schemes beside float32, comma-separated"
            + " (default: int8, nf4, q8, q4, llm-int8).")
    private List<Quantization> weights;

    EngineComparison(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        PluginRegistry registry = context.registry();
        TypedValues.inRange("--tokens", tokens, 1, 1 << 16);
        TypedValues.inRange("--decode", decode, 2, 4096);
        TypedValues.inRange("--repeats", repeats, 1, 1000);
        List<String> engines = this.engines == null ? registry.ids(io.interp4j.api.plugin.PluginKind.ENGINE) : this.engines;
        engines.forEach(registry::engine);
        List<Quantization> schemes = schemes();
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            ForwardBenchmark.warmPageCache(checkpoint.weightFiles());
        }
        out.printf(Locale.ROOT, "bench engines: %s, prefill %d tokens, decode %d tokens with the KV cache (medians of %d); each engine"
                + " first warmed up untimed (float32, %d forwards and a decode)%n", directory, tokens, decode, repeats, WARM_UP_FORWARDS);
        out.printf(Locale.ROOT, "  %-6s %-7s %8s %12s %12s %14s %10s %12s%n", "engine", "weights", "load s", "prefill ms",
                "vs float32", "decode tok/s", "vs float32", "RSS GiB");
        for (String engine : engines) {
            warmUp(registry, engine);
            double prefill32 = 0;
            double decode32 = 0;
            for (Quantization scheme : schemes) {
                long start = System.nanoTime();
                try (Model model = registry.loadModel(engine, directory, LoadOptions.defaults().withQuantization(scheme))) {
                    double load = (System.nanoTime() - start) / 1e9;
                    ModelConfig config = model.config();
                    int[] ids = prompt(config);
                    double[] prefill = new double[repeats];
                    double[] decodeRates = new double[repeats];
                    try (Run run = model.newRun()) {
                        run.forward(ids).logits().close();
                        for (int i = 0; i < repeats; i++) {
                            long t = System.nanoTime();
                            run.forward(ids).logits().close();
                            prefill[i] = (System.nanoTime() - t) / 1e6;
                        }
                        run.generate(new int[] {ids[0], ids[1]}, new GenerationOptions(2, true, false)); // warm-up
                        // each configuration is timed alone, minutes from float32, so a burst of another process's work
                        // during one generation would set its ratio: the median of several generations resists that
                        for (int i = 0; i < repeats; i++) {
                            Generation generation = run.generate(new int[] {ids[0], ids[1], ids[2]}, new GenerationOptions(decode, true, false));
                            decodeRates[i] = generation.decodeTokensPerSecond();
                        }
                    }
                    double prefillMs = ForwardBenchmark.median(prefill);
                    double decodeRate = ForwardBenchmark.median(decodeRates);
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

    /**
     * Float32 forwards and a decode on {@code engine}, untimed: without them the first timed
     * configuration, float32, ran while the JIT was still compiling the forward: a 20-token prefill of
     * the 0.5B preset on djl measured 1.26–1.49× slower than the same float32 product timed next (djl's
     * {@code int8}, which then held dequantised values), three runs; 0.95–1.05× with this warm-up.
     */
    private void warmUp(PluginRegistry registry, String engine) {
        try (Model model = registry.loadModel(engine, directory, LoadOptions.defaults()); Run run = model.newRun()) {
            int[] ids = prompt(model.config());
            for (int i = 0; i < WARM_UP_FORWARDS; i++) {
                run.forward(ids).logits().close();
            }
            run.generate(new int[] {ids[0], ids[1], ids[2]}, new GenerationOptions(decode, true, false));
        }
    }

    /** The prompt every configuration (and the warm-up) prefills: {@code --tokens} fixed random ids. */
    private int[] prompt(ModelConfig config) {
        return new Random(7).ints(tokens, 0, config.vocabSize()).toArray();
    }

    /** float32 first (the ratios' base), then the listed schemes in their order, each once. */
    private List<Quantization> schemes() {
        Set<Quantization> schemes = new LinkedHashSet<>();
        schemes.add(Quantization.NONE);
        schemes.addAll(weights == null ? List.of(Quantization.values()) : weights);
        return List.copyOf(schemes);
    }
}
