package io.interp4j.runner.spark;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

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

    static Optional<List<Wire.Result>> read(Path folder, String key) {
        Path file = folder.resolve(key + SUFFIX);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file); ObjectInputStream objects = new ObjectInputStream(in)) {
            @SuppressWarnings("unchecked")
            List<Wire.Result> results = (List<Wire.Result>) objects.readObject();
            return Optional.of(results);
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            // unreadable (e.g. written by another version): the partition simply runs again
            return Optional.empty();
        }
    }

    static void write(Path folder, String key, List<Wire.Result> results) {
        Path file = folder.resolve(key + SUFFIX);
        try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "." + key, ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp); ObjectOutputStream objects = new ObjectOutputStream(out)) {
                objects.writeObject(new ArrayList<>(results));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot store a finished partition: " + e.getMessage(), e);
        }
    }
}
