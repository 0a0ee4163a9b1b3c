package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An output folder written under a temporary name next to its final one and moved into place last,
 * so a killed command never leaves a half-written folder under the final name: {@link #path()} is
 * where to write, {@link #commit()} moves it, and {@link #close()} deletes it if it was not committed.
 */
public final class StagedFolder implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean committed;

    private StagedFolder(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /**
     * Checks the target and creates the staging folder beside it.
     *
     * @param target the final folder
     * @param mayExist whether an existing folder may receive the files (each is replaced by a rename);
     *     otherwise the target must not exist
     * @return the staged folder, to be closed
     */
    public static StagedFolder create(Path target, boolean mayExist) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            if (!mayExist) {
                throw new UsageException("--out " + target + " exists; choose a new directory");
            }
            if (!Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new UsageException("--out " + target + " exists and is not a directory; an output folder may only be a"
                        + " directory it creates or owns");
            }
        }
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UsageException("cannot write " + target + ": directory " + parent + " does not exist");
        }
        try {
            return new StagedFolder(absolute, Files.createTempDirectory(parent, "." + absolute.getFileName() + ".partial-"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new UsageException("cannot write " + target + ": cannot create a folder in " + parent + " (" + e + ")");
        }
    }

    /**
     * Returns the folder to write into.
     *
     * @return the staging folder
     */
    public Path path() {
        return staging;
    }

    /**
     * Moves the written folder into place: renamed as a whole when the target does not exist, else
     * each top-level file renamed over its namesake in the target.
     */
    public void commit() {
        try {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                try (Stream<Path> entries = Files.list(staging)) {
                    for (Path entry : entries.sorted().toList()) {
                        Path into = target.resolve(entry.getFileName().toString());
                        if (Files.exists(into, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(into, LinkOption.NOFOLLOW_LINKS)) {
                            throw new UsageException("cannot write " + into + ": it exists and is not a regular file");
                        }
                        Files.move(entry, into, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
                Files.delete(staging);
            }
            committed = true;
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot move " + staging + " into place as " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the staging folder unless it was committed. */
    @Override
    public void close() {
        if (committed || !Files.exists(staging)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(staging)) {
            List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // the failure that ended the command is the one to report; a leftover .partial folder is harmless
        }
    }
}
