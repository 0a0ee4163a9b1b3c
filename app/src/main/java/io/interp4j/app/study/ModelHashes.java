package io.interp4j.app.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.plugins.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * SHA-256 of every file of a model directory that loading reads (config.json, tokenizer.json,
 * safetensors files and their index), cached in the output folder by path, size and modification
 * time, so multi-gigabyte checkpoints are hashed once.
 */
final class ModelHashes {
    private final Path cacheFile;
    private final JsonObject cache;

    ModelHashes(Path cacheFile) {
        this.cacheFile = cacheFile;
        JsonObject loaded = new JsonObject();
        if (Files.isRegularFile(cacheFile)) {
            try {
                loaded = JsonParser.parseString(Files.readString(cacheFile)).getAsJsonObject();
            } catch (IOException | RuntimeException e) {
                loaded = new JsonObject(); // a damaged cache only costs rehashing
            }
        }
        this.cache = loaded;
    }

    /** Hashes the files of a model (or adapter) directory that loading reads, by file name. */
    Map<String, String> hash(Path directory) {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && (name.equals("config.json") || name.equals("tokenizer.json")
                        || name.equals("adapter_config.json")
                        || name.endsWith(".safetensors") || name.equals("model.safetensors.index.json"))) {
                    hashes.put(name, hashFile(file));
                }
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, directory + ": cannot list: " + e.getMessage(), e);
        }
        return hashes;
    }

    private String hashFile(Path file) throws IOException {
        String key = file.toAbsolutePath().toString();
        long size = Files.size(file);
        long modified = Files.getLastModifiedTime(file).toMillis();
        if (cache.has(key)) {
            JsonObject entry = cache.getAsJsonObject(key);
            if (entry.get("size").getAsLong() == size && entry.get("modified").getAsLong() == modified) {
                return entry.get("sha256").getAsString();
            }
        }
        String hex = Digests.file(file);
        JsonObject entry = new JsonObject();
        entry.addProperty("size", size);
        entry.addProperty("modified", modified);
        entry.addProperty("sha256", hex);
        cache.add(key, entry);
        return hex;
    }

    void save() {
        try {
            Files.createDirectories(cacheFile.getParent());
            Path tmp = cacheFile.resolveSibling(cacheFile.getFileName() + ".partial");
            Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(cache));
            Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, cacheFile + ": cannot write: " + e.getMessage(), e);
        }
    }
}
