package io.interp4j.app.forward;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.app.cli.AtomicOutput;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.NonFinite;
import io.interp4j.app.cli.TokenInput;
import io.interp4j.app.cli.WeightOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code interp4j forward}: one forward pass, logits and cached activations as JSON. */
@Command(name = "forward", sortOptions = false, description = "Runs one forward pass and writes {\"tokens\", \"logits\" [pos][vocab],"
        + " \"cache\" {hook: {shape, data}}} as JSON.")
public final class ForwardCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path model;

    @Mixin
    private WeightOptions weights;

    @Option(names = "--engine", paramLabel = "ID", defaultValue = "djl", description = "The engine (./interp4j plugins; default: ${DEFAULT-VALUE}).")
    private String engine;

    @Mixin
    private TokenInput input;

    @Option(names = "--cache", split = ",", paramLabel = "HOOK", description = "Hook points whose activations are written, comma-separated.")
    private List<String> cachePoints = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The JSON file to write.")
    private Path output;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public ForwardCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream err = context.err();
        input.check();
        List<HookPoint> cache = new ArrayList<>();
        for (String name : cachePoints) {
            if (!name.isBlank()) {
                cache.add(HookPoint.parse(name.trim()));
            }
        }
        AtomicOutput.checkWritable(output);
        try (Model loaded = context.registry().loadModel(engine, model, weights.loadOptions())) {
            cache.forEach(p -> p.checkIn(loaded.config()));
            loaded.quantization().ifPresent(q -> err.println("quantised weights: " + q.describe()));
            int[] tokens = input.ids(loaded);
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
