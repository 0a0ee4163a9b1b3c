package io.interp4j.app.plugins;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 of files, and of a plugin's source: its jar, or a class folder (every file's relative path and bytes, in path order). */
public final class Digests {
    private Digests() {}

    /**
     * Returns the SHA-256 of a file's bytes.
     *
     * @param file the file
     * @return lowercase hex
     * @throws IOException if the file cannot be read
     */
    public static String file(Path file) throws IOException {
        MessageDigest digest = newDigest();
        update(digest, file);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The SHA-256 of a jar, or of a class folder's files with their relative paths; {@code unknown} if it is neither. */
    static String source(Path source) {
        try {
            if (Files.isRegularFile(source)) {
                return file(source);
            }
            if (!Files.isDirectory(source)) {
                return "unknown";
            }
            MessageDigest digest = newDigest();
            List<Path> files;
            try (Stream<Path> walk = Files.walk(source)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path file : files) {
                digest.update(source.relativize(file).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                update(digest, file);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, source + ": cannot read the plugin to fingerprint it: " + e.getMessage(), e);
        }
    }

    private static void update(MessageDigest digest, Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
