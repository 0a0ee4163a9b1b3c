package io.interp4j.app.plugins;

import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code interp4j plugins}: every plugin found, with kind, id, module, version and the jar it came
 * from. Plugins and jars that failed to load are warned about at start-up ({@code Main}).
 */
@Command(name = "plugins", description = "Lists every plugin found (module path and plugin folders): kind, id, module, version,"
        + " description, jar.")
public final class PluginsCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public PluginsCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        List<PluginRegistry.Entry> entries = context.registry().entries();
        int idWidth = Math.max(2, entries.stream().mapToInt(e -> e.id().length()).max().orElse(0));
        int moduleWidth = Math.max(6, entries.stream().mapToInt(e -> e.module().length()).max().orElse(0));
        String format = "%-12s  %-" + idWidth + "s  %-" + moduleWidth + "s  %-14s  %s  [%s]%n";
        out.printf(format, "KIND", "ID", "MODULE", "VERSION", "DESCRIPTION", "JAR");
        for (PluginRegistry.Entry e : entries) {
            out.printf(format, e.kind().configName(), e.id(), e.module(), e.version(), e.description(), e.source());
        }
    }
}
