package io.interp4j.app.hooks;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code interp4j hooks}: every hook point of a model with its shape. */
@Command(name = "hooks", description = "Lists every hook point of the model with its shape (TransformerLens names).")
public final class HooksCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path model;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public HooksCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        ModelConfig config;
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            config = checkpoint.config();
        }
        List<HookPoint> points = HookPoint.all(config);
        int width = points.stream().mapToInt(p -> p.name().length()).max().orElse(0);
        for (HookPoint point : points) {
            out.printf("%-" + width + "s  %s%n", point.name(), point.symbolicShape(config));
        }
    }
}
