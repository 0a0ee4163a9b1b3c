package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A study's output folder, held for the length of a run: the folder must be new, empty or one a study
 * wrote (it holds {@value #LOCK_FILE}, or {@code steps/} from before the lock existed), and it is
 * locked through {@value #LOCK_FILE} with an operating-system file lock, so a second study writing
 * the same folder stops at once, naming the process that holds it. The lock file stays as the mark
 * that a study owns the folder; the lock itself ends with the process.
 */
final class StudyFolder implements AutoCloseable {
    /** The lock file in every study folder. */
    static final String LOCK_FILE = ".interp4j.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StudyFolder(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Checks, creates and locks a study folder. */
    static StudyFolder lock(Path out) {
        checkOwned(out);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, out + ": cannot create the output folder: " + e);
        }
        Path file = out.resolve(LOCK_FILE);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, file + ": exists and is not a regular file; the study folder's lock"
                    + " file must be one");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, file + ": cannot open the study folder's lock file: " + e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, out + ": another study is writing this folder ("
                        + holder(channel) + "); wait for it to finish or choose another --out");
            }
            byte[] me = (ProcessHandle.current().pid() + "@" + host() + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me), 0);
            channel.force(false);
            return new StudyFolder(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot lock the study folder: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Refuses a folder that holds files not written by a study (e.g. {@code --out ~}). */
    private static void checkOwned(Path out) {
        if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, out + ": exists and is not a directory; a study writes only a"
                    + " folder it creates or owns");
        }
        boolean owned = Files.exists(out.resolve(LOCK_FILE), LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(out.resolve("steps"));
        if (owned) {
            return;
        }
        try (Stream<Path> entries = Files.list(out)) {
            List<String> names = entries.limit(4).map(p -> p.getFileName().toString()).sorted().toList();
            if (!names.isEmpty()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, out + ": holds files a study did not write (" + String.join(", ", names)
                        + (names.size() == 4 ? ", …" : "") + "; no " + LOCK_FILE + "); a study writes only a new or empty folder, or one"
                        + " an earlier study wrote");
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, out + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer text = ByteBuffer.allocate(256);
            channel.read(text, 0);
            String line = new String(text.array(), 0, text.position(), StandardCharsets.UTF_8).strip();
            return line.isEmpty() ? "holder unknown" : "held by process " + line;
        } catch (IOException e) {
            return "holder unknown: " + e.getMessage();
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the lock failure is what gets reported
        }
    }

    /** Releases the lock (the lock file stays, marking the folder as a study's). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
