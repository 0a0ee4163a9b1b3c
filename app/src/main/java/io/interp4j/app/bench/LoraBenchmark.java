package io.interp4j.app.bench;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.Model;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.api.train.TrainingResult;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures LoRA training steps (batch 1, N tokens, rank 8 on q/k/v/o, the seed study's recipe): time
 * per optimizer step after one warm-up step, tokens per second, and the peak resident set.
 */
@Command(name = "lora", sortOptions = false, description = "LoRA training steps (batch 1, rank 8 on q/k/v/o): seconds per step, tokens/s, peak resident memory.")
final class LoraBenchmark implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path directory;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "128", description = "Tokens per example, 2 to 65536 (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Timed steps, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--engine", paramLabel = "ID", defaultValue = "djl", description = "An engine that trains (default: ${DEFAULT-VALUE}).")
    private String engine;

    LoraBenchmark(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        PluginRegistry registry = context.registry();
        TypedValues.inRange("--tokens", tokens, 2, 1 << 16);
        TypedValues.inRange("--steps", steps, 1, 1000);
        LoraTrainer trainer = registry.engine(engine).loraTrainer().orElseThrow(() ->
                new Interp4jException(ErrorCode.UNSUPPORTED, "engine '" + engine + "' cannot train"));
        Path scratch;
        try {
            scratch = Files.createTempDirectory("interp4j-bench-lora");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Model model = registry.loadModel(engine, directory)) {
            int[] ids = new Random(3).ints(tokens, 0, model.config().vocabSize()).toArray();
            TrainingExample example = new TrainingExample(java.util.Arrays.copyOf(ids, tokens / 2),
                    java.util.Arrays.copyOfRange(ids, tokens / 2, tokens));
            TrainingOptions warm = options(1);
            trainer.train(model, List.of(example), warm, scratch.resolve("warm"), (s, l, r) -> { });
            TrainingResult result = trainer.train(model, List.of(example), options(steps), scratch.resolve("run"), (s, l, r) -> { });
            out.printf(Locale.ROOT, "bench lora: engine %s, model %s, batch 1 × %d tokens, rank 8 on q/k/v/o%n", engine, directory, tokens);
            out.printf(Locale.ROOT, "  step             %.2f s per optimizer step (mean of %d, after a warm-up step)%n", result.seconds() / steps, steps);
            out.printf(Locale.ROOT, "  throughput       %.1f tokens/s%n", result.tokensPerSecond());
            out.printf(Locale.ROOT, "  peak RSS         %.2f GiB%n", ForwardBenchmark.peakResidentBytes() / 1073741824.0);
        } finally {
            try (Stream<Path> walk = Files.walk(scratch)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder
            }
        }
    }

    private static TrainingOptions options(int steps) {
        return new TrainingOptions(8, 16, 0.05, List.of("q_proj", "k_proj", "v_proj", "o_proj"), 2e-4, 0, 0, steps, 1, 1, 1, 0, List.of());
    }
}
