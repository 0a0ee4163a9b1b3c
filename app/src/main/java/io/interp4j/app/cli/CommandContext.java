package io.interp4j.app.cli;

import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What every command runs with: this run's standard output and error, and the plugins, which are found
 * once the command line has been parsed (a request for help finds none).
 *
 * @param out standard output
 * @param err standard error
 * @param plugins the plugins found at start-up
 */
public record CommandContext(PrintStream out, PrintStream err, Supplier<PluginRegistry> plugins) {
    /** Checks the parts. */
    public CommandContext {
        Objects.requireNonNull(out, "out is null");
        Objects.requireNonNull(err, "err is null");
        Objects.requireNonNull(plugins, "plugins is null");
    }

    /**
     * Returns the plugins.
     *
     * @return the registry
     */
    public PluginRegistry registry() {
        return plugins.get();
    }
}
