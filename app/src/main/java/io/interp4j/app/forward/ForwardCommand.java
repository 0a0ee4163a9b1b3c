package io.interp4j.app.forward;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.AtomicOutput;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.Inputs;
import io.interp4j.app.cli.NonFinite;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code interp4j forward}: one forward pass, logits and cached activations as JSON. */
public final class ForwardCommand implements Command {
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the registry to run on
     */
    public ForwardCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public String usage() {
        return "forward --model DIR [--adapter PEFT_DIR] [--quantization none|int8|nf4|q8|q4] [--engine djl|onnx] (--tokens 1,2,3 | --prompt TEXT) [--cache HOOK,...] --out FILE\n"
                + "    Runs one forward pass and writes {\"tokens\", \"logits\" [pos][vocab], \"cache\" {hook: {shape, data}}} as JSON.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("model", "adapter", "quantization", "engine", "tokens", "prompt", "cache", "out"));
        Path model = args.path("model");
        Path output = args.path("out");
        Inputs.checkTokensOrPrompt(args);
        List<HookPoint> cache = new ArrayList<>();
        args.get("cache").ifPresent(text -> {
            for (String name : text.split(",")) {
                if (!name.isBlank()) {
                    cache.add(HookPoint.parse(name.trim()));
                }
            }
        });
        AtomicOutput.checkWritable(output);
        try (Model loaded = registry.loadModel(args.get("engine").orElse("djl"), model, Inputs.loadOptions(args))) {
            cache.forEach(p -> p.checkIn(loaded.config()));
            loaded.quantization().ifPresent(q -> err.println("quantised weights: " + q.describe()));
            int[] tokens = Inputs.tokens(args, loaded);
            try (Run run = loaded.newRun()) {
                run.cache(cache);
                ForwardResult result = run.forward(tokens);
                AtomicOutput.write(output, writer -> ForwardJson.write(writer, tokens, result));
                long[] shape = result.logits().getShape().getShape();
                String nonFinite = NonFinite.describe(result.logits().toFloatArray(), (int) shape[shape.length - 1], 0);
                if (nonFinite != null) {
                    err.println("warning: " + nonFinite + "; " + output + " holds them as NaN/Infinity (do the weights or adapter overflow?)");
                }
            }
        }
        err.println("wrote " + output);
    }
}
