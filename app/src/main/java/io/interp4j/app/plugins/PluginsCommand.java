package io.interp4j.app.plugins;

import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Command;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code interp4j plugins}: every plugin found, with kind, id, module, version and the jar it came
 * from. Plugins and jars that failed to load are warned about at start-up ({@code Main}).
 */
public final class PluginsCommand implements Command {
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the plugins
     */
    public PluginsCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    public String usage() {
        return "plugins\n    Lists every plugin found (module path and plugin folders): kind, id, module, version, description, jar.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args.parse(arguments, Set.of());
        List<PluginRegistry.Entry> entries = registry.entries();
        int idWidth = Math.max(2, entries.stream().mapToInt(e -> e.id().length()).max().orElse(0));
        int moduleWidth = Math.max(6, entries.stream().mapToInt(e -> e.module().length()).max().orElse(0));
        String format = "%-12s  %-" + idWidth + "s  %-" + moduleWidth + "s  %-14s  %s  [%s]%n";
        out.printf(format, "KIND", "ID", "MODULE", "VERSION", "DESCRIPTION", "JAR");
        for (PluginRegistry.Entry e : entries) {
            out.printf(format, e.kind().configName(), e.id(), e.module(), e.version(), e.description(), e.source());
        }
    }
}
