package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
     * Checks, before expensive work starts, that the output can be written there: the parent is an
     * existing folder in which a file can be created (probed with a temporary file, so a read-only
     * folder or {@code /proc} fails now, not after a forward ran), and the name is free or a regular
     * file, never a device, FIFO, folder or symbolic link that a rename would replace.
     *
     * @param file the output file
     */
    public static void checkWritable(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UsageException("cannot write " + file + ": directory " + parent + " does not exist");
        }
        checkReplaceable(file);
        try {
            Files.delete(Files.createTempFile(parent, "." + file.getFileName() + ".", ".probe"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new UsageException("cannot write " + file + ": cannot create a file in " + parent + " (" + e + ")");
        }
    }

    /** Refuses an existing path that is not a regular file (checked without following a link). */
    private static void checkReplaceable(Path file) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            String kind = Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) ? "a directory"
                    : Files.isSymbolicLink(file) ? "a symbolic link" : "not a regular file (a device, FIFO or socket)";
            throw new UsageException("cannot write " + file + ": it is " + kind + "; an output may only replace a regular file");
        }
    }

    /**
     * Writes a text file atomically: to a temporary name in the same folder, then renamed over the
     * name, which must be free or a regular file.
     *
     * @param file the output file
     * @param body the content
     */
    public static void write(Path file, Body body) {
        checkReplaceable(file);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".partial");
            try (Writer writer = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16)) {
                body.write(writer);
            }
            checkReplaceable(file);
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
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the original failure is what gets reported
        }
    }
}
