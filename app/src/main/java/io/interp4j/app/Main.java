package io.interp4j.app;

import io.interp4j.api.Interp4jException;
import io.interp4j.app.bench.BenchCommand;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.Failures;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.cli.UsageErrors;
import io.interp4j.app.forward.ForwardCommand;
import io.interp4j.app.generate.GenerateCommand;
import io.interp4j.app.hooks.HooksCommand;
import io.interp4j.app.lora.LoraCommand;
import io.interp4j.app.plugins.PluginFolders;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.app.plugins.PluginsCommand;
import io.interp4j.app.randommodel.RandomModelCommand;
import io.interp4j.app.study.StudyCommand;
import io.interp4j.app.tokenize.TokenizeCommand;
import io.interp4j.app.toy.ToyCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.RunLast;

/**
 * The {@code interp4j} command line (picocli). Exit codes: 0 success, 2 bad arguments or input (one line
 * on stderr, or one per problem, rendered by {@link Failures}; no output file left behind), 1 anything else.
 */
@Command(name = "interp4j", sortOptions = false,
        synopsisSubcommandLabel = "COMMAND",
        description = "Causal interpretability for transformer language models on the JVM.",
        footer = {"", "Plugin jars are found in plugins/ beside the launcher, in the folders of -D" + PluginFolders.PATH_PROPERTY
                + " and of --plugin-path.", "`interp4j COMMAND --help` describes a command's options; exit codes: 0 success,"
                + " 2 bad arguments or input, 1 anything else."})
public final class Main implements Callable<Integer> {
    @Mixin
    private HelpOption help;

    @Option(names = "--plugin-path", paramLabel = "DIR[:DIR...]",
            description = "Adds plugin folders (before the command; may be repeated).")
    private final List<String> pluginPath = new ArrayList<>();

    private final PrintStream err;
    private CommandLine commandLine;

    private Main(PrintStream err) {
        this.err = err;
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main root = new Main(err);
        AtomicReference<PluginRegistry> registry = new AtomicReference<>();
        CommandContext context = new CommandContext(out, err, () -> {
            PluginRegistry found = registry.get();
            if (found == null) {
                throw new IllegalStateException("the plugins are found after the command line is parsed");
            }
            return found;
        });
        CommandLine commandLine = root.commandLine(context);
        commandLine.setExecutionStrategy(parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return help;
            }
            try {
                registry.set(PluginRegistry.discover(PluginFolders.folders(root.pluginPath)));
            } catch (Interp4jException e) {
                Failures.print("interp4j", e, err);
                return 2;
            }
            for (PluginRegistry.Failure failure : registry.get().failures()) {
                err.println("interp4j: warning: " + Failures.oneLine(failure.describe()));
            }
            return new RunLast().execute(parseResult);
        });
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            err.println(e.getCommandLine().getCommandSpec().qualifiedName() + ": " + Failures.oneLine(UsageErrors.describe(e)));
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> Failures.print(failed.getCommandSpec().qualifiedName(), e, err));
        try {
            return commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            return Failures.print(executed(commandLine.getParseResult()), e, err);
        } finally {
            commandLine.getOut().flush();
            commandLine.getErr().flush();
        }
    }

    private CommandLine commandLine(CommandContext context) {
        commandLine = new CommandLine(this)
                .addSubcommand(new RandomModelCommand(context))
                .addSubcommand(new ForwardCommand(context))
                .addSubcommand(new HooksCommand(context))
                .addSubcommand(new TokenizeCommand(context))
                .addSubcommand(new GenerateCommand(context))
                .addSubcommand(BenchCommand.commandLine(context))
                .addSubcommand(new PluginsCommand(context))
                .addSubcommand(new StudyCommand(context))
                .addSubcommand(LoraCommand.commandLine(context))
                .addSubcommand(ToyCommand.commandLine(context))
                .addSubcommand(completion())
                .addSubcommand(new HelpCommand());
        TypedValues.register(commandLine);
        commandLine.setOut(new PrintWriter(context.out(), true));
        commandLine.setErr(new PrintWriter(context.err(), true));
        return commandLine;
    }

    /** {@code completion}: picocli's generator of a bash completion script for this command line. */
    private static CommandLine completion() {
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().name("completion");
        return completion;
    }

    /** With no command: the usage on stderr, exit code 2. */
    @Override
    public Integer call() {
        commandLine.usage(err);
        return 2;
    }

    /** The qualified name of the command a parse result ran (its last subcommand). */
    private static String executed(ParseResult parseResult) {
        ParseResult last = parseResult;
        while (last != null && last.hasSubcommand()) {
            last = last.subcommand();
        }
        return last == null ? "interp4j" : last.commandSpec().qualifiedName();
    }
}
