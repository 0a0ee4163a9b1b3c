package io.interp4j.app.generate;

import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.NonFinite;
import io.interp4j.app.cli.TokenInput;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.cli.WeightOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code interp4j generate}: greedy generation with the KV cache. */
@Command(name = "generate", sortOptions = false, description = "Greedy continuation with the KV cache, printed on stdout; tokens/s on stderr. Stops at the"
        + " eos token.")
public final class GenerateCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path directory;

    @Mixin
    private WeightOptions weights;

    @Option(names = "--engine", paramLabel = "ID", defaultValue = "djl", description = "The engine (./interp4j plugins; default: ${DEFAULT-VALUE}).")
    private String engine;

    @Mixin
    private TokenInput input;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32", description = "The most tokens generated, 1 to 1000000"
            + " (default: ${DEFAULT-VALUE}).")
    private int maxNew;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public GenerateCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        PrintStream err = context.err();
        input.check();
        TypedValues.inRange("--max-new-tokens", maxNew, 1, 1_000_000);
        try (Model model = context.registry().loadModel(engine, directory, weights.loadOptions()); Run run = model.newRun()) {
            model.quantization().ifPresent(q -> err.println("quantised weights: " + q.describe()));
            int[] prompt = input.ids(model);
            run.hook("hook_logits", NonFinite.stopOnNonFiniteLogits());
            Generation generation = run.generate(prompt, GenerationOptions.greedy(maxNew));
            if (model.tokenizer().isPresent()) {
                out.println(model.requireTokenizer().decode(generation.generated()));
            } else {
                out.println(Arrays.stream(generation.generated()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            err.printf(Locale.ROOT, "%d new tokens in %.3f s: %.2f tok/s (prefill %d tokens in %.1f ms; decode %.2f tok/s)%n",
                    generation.generated().length,
                    (generation.prefillNanos() + generation.decodeNanos()) / 1e9,
                    generation.tokensPerSecond(),
                    prompt.length,
                    generation.prefillNanos() / 1e6,
                    generation.decodeTokensPerSecond());
        }
    }
}
