package io.interp4j.api;

/**
 * The stable error codes of {@link Interp4jException}. A code never changes meaning; new codes are
 * only added.
 *
 * @since 0.1
 */
@Stable
public enum ErrorCode {
    /** A caller passed an argument outside what is allowed (a layer out of range, a bad flag). */
    INVALID_ARGUMENT,
    /** A checkpoint directory or file is malformed, truncated, or does not match its config. */
    INVALID_CHECKPOINT,
    /** The input is well formed but asks for something interp4j does not support. */
    UNSUPPORTED,
    /** A hook point name is unknown, or a hook returned something it may not. */
    HOOK_ERROR,
    /** Reading or writing a file failed. */
    IO_ERROR,
    /** A native engine failed in a way that is not the caller's fault. */
    ENGINE_ERROR
}
