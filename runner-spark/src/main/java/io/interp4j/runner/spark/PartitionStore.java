package io.interp4j.runner.spark;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * A step's finished partitions, one file each in the step's partial folder, named by the SHA-256 of what
 * the partition computes (its requests, model sources and planner bounds): the executor that ran a
 * partition writes it (tmp file, then an atomic rename), and a rerun of the interrupted step reads it on
 * the driver instead of running the partition again. On a cluster the folder must be on a file system
 * every executor and the driver see, like the models.
 */
final class PartitionStore {
    private static final String SUFFIX = ".partition";

    private PartitionStore() {}

    /** The partition's name: a hash of everything its readouts depend on besides the models' files (the study's fingerprint covers those). */
    static String key(List<Wire.Request> requests, Object models, int batchTokens, long cacheBytes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new ArrayList<>(requests));
            out.writeObject(models);
            out.writeInt(batchTokens);
            out.writeLong(cacheBytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a partition", e);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Hands a stored partition's results to {@code consumer}, one at a time (a partition of last-position
     * readouts can be gigabytes: it is never held whole).
     *
     * @return false when the partition is not stored, or its file cannot be read from its start (written
     *     by another version): then it simply runs again and nothing was handed over
     * @throws Interp4jException when the file breaks off after its first result (it was renamed into place
     *     only once complete, so this is damage, not an interrupted write)
     */
    static boolean read(Path folder, String key, Consumer<Wire.Result> consumer) {
        Path file = folder.resolve(key + SUFFIX);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file)); ObjectInputStream objects = new ObjectInputStream(in)) {
            Object next;
            try {
                next = objects.readObject();
            } catch (IOException | ClassNotFoundException e) {
                return false;
            }
            while (next != null) {
                consumer.accept((Wire.Result) next);
                next = objects.readObject();
            }
            return true;
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": a stored partition breaks off (" + e + "); delete the step's"
                    + " partial folder to run it again", e);
        }
    }

    /**
     * Whether a partition is stored and its file can be read from its start, that is, whether {@link #read}
     * will hand it over (reads the file's first result only).
     */
    static boolean readable(Path folder, String key) {
        Path file = folder.resolve(key + SUFFIX);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file)); ObjectInputStream objects = new ObjectInputStream(in)) {
            objects.readObject();
            return true;
        } catch (IOException | ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Writes a partition's results as they come: to a temporary file, renamed into place by {@link
     * #commit()} once complete, so that a partition's file exists only when all of it does.
     */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final Path tmp;
        private final ObjectOutputStream objects;
        private boolean committed;

        Writer(Path folder, String key) {
            this.file = folder.resolve(key + SUFFIX);
            try {
                Files.createDirectories(folder);
                this.tmp = Files.createTempFile(folder, "." + key, ".tmp");
                this.objects = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)));
            } catch (IOException e) {
                throw failed(e);
            }
        }

        void add(Wire.Result result) {
            try {
                objects.writeObject(result);
                // forget the written objects: the stream would otherwise keep every result reachable
                objects.reset();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        void commit() {
            try {
                objects.writeObject(null);
                objects.close();
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                committed = true;
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void close() {
            if (!committed) {
                try {
                    objects.close();
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // the partition failed already; a leftover temporary file is ignored by read
                }
            }
        }

        private Interp4jException failed(IOException e) {
            return new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot store a finished partition: " + e.getMessage(), e);
        }
    }
}
