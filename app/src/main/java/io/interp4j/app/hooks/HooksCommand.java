package io.interp4j.app.hooks;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Command;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** {@code interp4j hooks}: every hook point of a model with its shape. */
public final class HooksCommand implements Command {
    @Override
    public String name() {
        return "hooks";
    }

    @Override
    public String usage() {
        return "hooks --model DIR\n    Lists every hook point of the model with its shape (TransformerLens names).";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("model"));
        ModelConfig config;
        try (Checkpoint checkpoint = Checkpoint.open(args.path("model"))) {
            config = checkpoint.config();
        }
        List<HookPoint> points = HookPoint.all(config);
        int width = points.stream().mapToInt(p -> p.name().length()).max().orElse(0);
        for (HookPoint point : points) {
            out.printf("%-" + width + "s  %s%n", point.name(), point.symbolicShape(config));
        }
    }
}
