package io.interp4j.api;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.List;

/**
 * One thing wrong with a configuration: the config path it concerns and what is wrong there (what was
 * found and what is allowed). Validation returns problems as values and {@link Interp4jException}
 * carries them ({@link Interp4jException#problems()}); the command line prints each as one line,
 * {@code path: message}, and exits with status 2.
 *
 * @param path the full config path, e.g. {@code study.steps[1].settings.layer} or {@code
 *     interp4j.metric.kl.temperature}
 * @param message what was found and what is allowed, e.g. {@code found -1; allowed: an integer >= 0}
 * @since 0.3
 */
@Stable
public record Problem(String path, String message) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Checks that both parts say something. */
    public Problem {
        requireNonNull(path, "path is null");
        requireNonNull(message, "message is null");
        if (path.isBlank()) {
            throw new IllegalArgumentException("a problem needs a config path; message: " + message);
        }
        if (message.isBlank()) {
            throw new IllegalArgumentException("the problem at " + path + " has no message");
        }
    }

    /**
     * A value that is not allowed.
     *
     * @param path the config path
     * @param found what was found, rendered (e.g. {@code "many"}, {@code -1}, {@code nothing})
     * @param allowed what is allowed
     * @return {@code path: found <found>; allowed: <allowed>}
     */
    public static Problem found(String path, String found, String allowed) {
        return new Problem(path, "found " + found + "; allowed: " + allowed);
    }

    /**
     * The same problem under another root: a plugin reports its settings at {@code
     * interp4j.<kind>.<id>}, and a study moves that to where the user wrote them (e.g. {@code
     * study.steps[1].settings}).
     *
     * @param from the root the path is under
     * @param to the root it moves to
     * @return the problem with {@code from} replaced by {@code to}; this problem when its path is not
     *     {@code from} or below it
     */
    public Problem rebased(String from, String to) {
        if (path.equals(from)) {
            return new Problem(to, message);
        }
        if (path.startsWith(from) && (path.charAt(from.length()) == '.' || path.charAt(from.length()) == '[')) {
            return new Problem(to + path.substring(from.length()), message);
        }
        return this;
    }

    /**
     * Rebases every problem of a list ({@link #rebased}).
     *
     * @param problems the problems
     * @param from the root their paths are under
     * @param to the root they move to
     * @return the moved problems, in order
     */
    public static List<Problem> rebased(List<Problem> problems, String from, String to) {
        return problems.stream().map(p -> p.rebased(from, to)).toList();
    }

    /**
     * Renders the problem as the line the command line prints.
     *
     * @return {@code path: message}
     */
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
