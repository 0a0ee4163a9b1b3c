package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;

/** A command-line argument is missing, unknown or malformed. */
public final class UsageException extends Interp4jException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was found and what is allowed
     */
    public UsageException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }
}
