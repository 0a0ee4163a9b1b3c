package io.interp4j.api;

import static java.util.Objects.requireNonNull;

/**
 * The one unchecked exception of interp4j. Its message names what was found, where (file, tensor,
 * config path or hook point) and what is allowed; its {@link ErrorCode} is stable for programs.
 *
 * @since 0.1
 */
@Stable
public class Interp4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code the stable error code
     * @param message what was found, where, and what is allowed
     */
    public Interp4jException(ErrorCode code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
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
