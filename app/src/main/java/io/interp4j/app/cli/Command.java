package io.interp4j.app.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of {@code interp4j}. */
public interface Command {
    /**
     * Returns the name typed on the command line.
     *
     * @return e.g. {@code forward}
     */
    String name();

    /**
     * Returns the one-paragraph usage shown by {@code interp4j help}.
     *
     * @return the usage
     */
    String usage();

    /**
     * Runs the command.
     *
     * @param arguments the arguments after the command name
     * @param out standard output
     * @param err standard error
     */
    void run(List<String> arguments, PrintStream out, PrintStream err);
}
