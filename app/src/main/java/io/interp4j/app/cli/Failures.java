package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.io.PrintStream;
import java.util.List;

/**
 * Tells on stderr how a command failed, and with which exit code: the one place that renders {@link
 * Problem}s, for every command. One problem is one line, {@code interp4j study: path: message}; several
 * are one line each, {@code   path: message}, then {@code interp4j study: N problems (listed above)}. Any
 * other failure is one line; exit code 2 for bad arguments or input, 1 for anything else.
 */
public final class Failures {
    private Failures() {}

    /**
     * Prints a failure of a command.
     *
     * @param command the command's qualified name, e.g. {@code interp4j study}
     * @param failure what it threw
     * @param err standard error
     * @return the exit code: 1 for a failure to read, write or compute ({@link ErrorCode#IO_ERROR}, {@link
     *     ErrorCode#ENGINE_ERROR}) or an internal error, 2 otherwise
     */
    public static int print(String command, Throwable failure, PrintStream err) {
        if (!(failure instanceof Interp4jException e)) {
            err.println(command + ": internal error: " + oneLine(String.valueOf(failure)));
            failure.printStackTrace(err);
            return 1;
        }
        List<Problem> problems = e.problems();
        if (problems.size() > 1) {
            problems.forEach(p -> err.println("  " + oneLine(p.toString())));
            err.println(command + ": " + problems.size() + " problems (listed above)");
        } else {
            err.println(command + ": " + oneLine(e.getMessage()));
        }
        return e.code() == ErrorCode.IO_ERROR || e.code() == ErrorCode.ENGINE_ERROR ? 1 : 2;
    }

    /**
     * A message as one line.
     *
     * @param message the message, possibly null
     * @return a listed continuation ({@code "\n  "}) as {@code "; "}, any other line break as a space
     */
    public static String oneLine(String message) {
        return message == null ? "" : message.replace("\n  ", "; ").replace('\n', ' ');
    }
}
