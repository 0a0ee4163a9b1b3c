package io.interp4j.app.bench;

import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code interp4j bench}: benchmarks that print ratios against a baseline measured in the same run. */
@Command(name = "bench", description = "Benchmarks that print ratios against a baseline measured in the same run: forward, engines,"
        + " lora, plan.")
public final class BenchCommand {
    @Mixin
    private HelpOption help;

    private BenchCommand() {}

    /**
     * Returns the {@code bench} command with its benchmarks.
     *
     * @param context this run's streams and plugins
     * @return the command line of {@code bench}
     */
    public static CommandLine commandLine(CommandContext context) {
        return new CommandLine(new BenchCommand()).addSubcommand(new ForwardBenchmark(context)).addSubcommand(new EngineComparison(context))
                .addSubcommand(new LoraBenchmark(context)).addSubcommand(new PlanBenchmark(context));
    }
}
