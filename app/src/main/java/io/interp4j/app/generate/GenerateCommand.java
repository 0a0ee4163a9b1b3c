package io.interp4j.app.generate;

import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.Inputs;
import io.interp4j.app.cli.NonFinite;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code interp4j generate}: greedy generation with the KV cache. */
public final class GenerateCommand implements Command {
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the registry to run on
     */
    public GenerateCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String usage() {
        return "generate --model DIR [--adapter PEFT_DIR] [--quantization none|int8|nf4|q8|q4] [--engine djl|onnx] (--prompt TEXT | --tokens 1,2,3) --max-new-tokens N\n"
                + "    Greedy continuation with the KV cache, printed on stdout; tokens/s on stderr. Stops at the eos token.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("model", "adapter", "quantization", "engine", "prompt", "tokens", "max-new-tokens"));
        args.path("model");
        Inputs.checkTokensOrPrompt(args);
        int maxNew = args.integer("max-new-tokens", 32, 1, 1_000_000);
        try (Model model = registry.loadModel(args.get("engine").orElse("djl"), args.path("model"), Inputs.loadOptions(args));
                Run run = model.newRun()) {
            model.quantization().ifPresent(q -> err.println("quantised weights: " + q.describe()));
            int[] prompt = Inputs.tokens(args, model);
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
