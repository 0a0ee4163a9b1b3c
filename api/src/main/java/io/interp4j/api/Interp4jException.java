package io.interp4j.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The one unchecked exception of interp4j. Its message names what was found, where (file, tensor,
 * config path or hook point) and what is allowed; its {@link ErrorCode} is stable for programs. An
 * exception about configuration carries its {@link Problem}s as values, so that no caller has to take
 * its message apart to move them under another config path.
 *
 * @since 0.1
 */
@Stable
public class Interp4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final List<Problem> problems;

    /**
     * Creates an exception.
     *
     * @param code the stable error code
     * @param message what was found, where, and what is allowed
     */
    public Interp4jException(ErrorCode code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
        this.problems = List.of();
    }

    /**
     * Creates an {@link ErrorCode#INVALID_ARGUMENT} exception for problems found in a configuration; its
     * message is the problems, one per line ({@link Problem#toString}).
     *
     * @param problems the problems, at least one
     * @since 0.3
     */
    public Interp4jException(List<Problem> problems) {
        super(lines(problems));
        this.code = ErrorCode.INVALID_ARGUMENT;
        this.problems = List.copyOf(problems);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param code the stable error code
     * @param message what was found, where, and what is allowed
     * @param cause the underlying failure
     */
    public Interp4jException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
        this.problems = List.of();
    }

    /**
     * Creates an exception for one problem at a config path, keeping the code and cause of the failure
     * it reports (e.g. a model that cannot be read, reported at the setting that names it).
     *
     * @param code the stable error code
     * @param problem the problem; it is also the message
     * @param cause the underlying failure
     * @since 0.3
     */
    public Interp4jException(ErrorCode code, Problem problem, Throwable cause) {
        super(problem.toString(), cause);
        this.code = requireNonNull(code, "code is null");
        this.problems = List.of(problem);
    }

    private static String lines(List<Problem> problems) {
        if (requireNonNull(problems, "problems is null").isEmpty()) {
            throw new IllegalArgumentException("an exception for problems needs at least one");
        }
        return String.join("\n", problems.stream().map(Problem::toString).toList());
    }

    /**
     * Returns the configuration problems this exception reports.
     *
     * @return the problems, in the order found; empty for an exception that is not about configuration
     * @since 0.3
     */
    public List<Problem> problems() {
        return problems;
    }

    /**
     * Returns the problems of this exception, or, for one that carries none, its message as one problem at
     * a given path.
     *
     * @param path the config path of whatever failed
     * @return the problems
     * @since 0.3
     */
    public List<Problem> problemsAt(String path) {
        return problems.isEmpty() ? List.of(new Problem(path, getMessage() == null ? code.name() : getMessage())) : problems;
    }

    /**
     * Returns the stable error code.
     *
     * @return the code
     */
    public ErrorCode code() {
        return code;
    }
}
