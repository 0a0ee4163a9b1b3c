package io.interp4j.app;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.bench.BenchCommand;
import io.interp4j.app.cli.Command;
import io.interp4j.app.plugins.PluginFolders;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code interp4j} command line. Exit codes: 0 success, 2 bad arguments or input (one line on
 * stderr, no output file left behind), 1 anything else.
 */
public final class Main {
    private static final String PLUGIN_PATH = "--plugin-path";

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
        List<String> pluginPath = new ArrayList<>();
        int first = 0;
        while (first < args.length && (args[first].equals(PLUGIN_PATH) || args[first].startsWith(PLUGIN_PATH + "="))) {
            if (args[first].equals(PLUGIN_PATH)) {
                if (first + 1 >= args.length) {
                    err.println("interp4j: option " + PLUGIN_PATH + " needs a folder");
                    return 2;
                }
                pluginPath.add(args[first + 1]);
                first += 2;
            } else {
                pluginPath.add(args[first].substring(PLUGIN_PATH.length() + 1));
                first++;
            }
        }
        args = Arrays.copyOfRange(args, first, args.length);
        PluginRegistry registry;
        try {
            registry = PluginRegistry.discover(PluginFolders.folders(pluginPath));
        } catch (Interp4jException e) {
            err.println("interp4j: " + oneLine(e.getMessage()));
            return 2;
        }
        for (PluginRegistry.Failure failure : registry.failures()) {
            err.println("interp4j: warning: " + oneLine(failure.describe()));
        }
        Map<String, Command> commands = commands(registry);
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

    private static Map<String, Command> commands(PluginRegistry registry) {
        Map<String, Command> commands = new LinkedHashMap<>();
        for (Command c : List.of(new RandomModelCommand(), new ForwardCommand(registry), new HooksCommand(), new TokenizeCommand(),
                new GenerateCommand(registry), new BenchCommand(registry), new PluginsCommand(registry),
                new StudyCommand(registry), new LoraCommand(registry), new ToyCommand(registry))) {
            commands.put(c.name(), c);
        }
        return commands;
    }

    private static void printUsage(PrintStream stream, Map<String, Command> commands) {
        stream.println("usage: interp4j [" + PLUGIN_PATH + " DIR[:DIR...]] COMMAND [OPTIONS]\n\n"
                + "Plugin jars are found in plugins/ beside the launcher, in the folders of -D" + PluginFolders.PATH_PROPERTY
                + " and of " + PLUGIN_PATH + ".\n\ncommands:");
        for (Command c : commands.values()) {
            stream.println("  " + c.usage().replace("\n", "\n  "));
        }
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replace("\n  ", "; ").replace('\n', ' ');
    }
}
