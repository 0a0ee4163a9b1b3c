package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a file that appears under its name only when complete; a failure leaves nothing behind. */
public final class AtomicOutput {
    /** Writes content to a writer. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the content.
         *
         * @param writer the target
         * @throws IOException when writing fails
         */
        void write(Writer writer) throws IOException;
    }

    private AtomicOutput() {}

    /**
     * Checks that a file can be created there, before expensive work starts.
     *
     * @param file the output file
     */
    public static void checkWritable(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UsageException("cannot write " + file + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new UsageException("cannot write " + file + ": it is a directory");
        }
    }

    /**
     * Writes a text file atomically.
     *
     * @param file the output file
     * @param body the content
     */
    public static void write(Path file, Body body) {
        Path tmp = file.toAbsolutePath().resolveSibling("." + file.getFileName() + ".partial");
        try {
            try (Writer writer = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16)) {
                body.write(writer);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot write " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the original failure is what gets reported
        }
    }
}
