package io.interp4j.app;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.bench.BenchCommand;
import io.interp4j.app.cli.Command;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.app.forward.ForwardCommand;
import io.interp4j.app.generate.GenerateCommand;
import io.interp4j.app.hooks.HooksCommand;
import io.interp4j.app.lora.LoraCommand;
import io.interp4j.app.plugins.PluginsCommand;
import io.interp4j.app.randommodel.RandomModelCommand;
import io.interp4j.app.study.StudyCommand;
import io.interp4j.app.tokenize.TokenizeCommand;
import io.interp4j.app.toy.ToyCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code interp4j} command line. Exit codes: 0 success, 2 bad arguments or input (one line on
 * stderr, no output file left behind), 1 anything else.
 */
public final class Main {
    private Main() {}

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
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            printUsage(args.length == 0 ? err : out, commands);
            return args.length == 0 ? 2 : 0;
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            err.println("interp4j: unknown command '" + args[0] + "'; commands: " + String.join(", ", commands.keySet()));
            return 2;
        }
        try {
            command.run(List.of(Arrays.copyOfRange(args, 1, args.length)), out, err);
            return 0;
        } catch (Interp4jException e) {
            err.println("interp4j " + command.name() + ": " + oneLine(e.getMessage()));
            return e.code() == ErrorCode.IO_ERROR || e.code() == ErrorCode.ENGINE_ERROR ? 1 : 2;
        } catch (RuntimeException | OutOfMemoryError e) {
            err.println("interp4j " + command.name() + ": internal error: " + oneLine(String.valueOf(e)));
            e.printStackTrace(err);
            return 1;
        }
    }

    private static Map<String, Command> commands() {
        PluginRegistry registry = PluginRegistry.discover();
        Map<String, Command> commands = new LinkedHashMap<>();
        for (Command c : List.of(new RandomModelCommand(), new ForwardCommand(registry), new HooksCommand(), new TokenizeCommand(),
                new GenerateCommand(registry), new BenchCommand(registry), new PluginsCommand(registry),
                new StudyCommand(registry), new LoraCommand(registry), new ToyCommand(registry))) {
            commands.put(c.name(), c);
        }
        return commands;
    }

    private static void printUsage(PrintStream stream, Map<String, Command> commands) {
        stream.println("usage: interp4j COMMAND [OPTIONS]\n\ncommands:");
        for (Command c : commands.values()) {
            stream.println("  " + c.usage().replace("\n", "\n  "));
        }
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replace("\n  ", "; ").replace('\n', ' ');
    }
}
