package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.SpecialTokens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Hugging Face Qwen2 model directory, opened and validated: {@code config.json}, the weights in
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json}, and an optional
 * {@code tokenizer.json}. Every tensor the config needs must be present with the right shape and no
 * unknown tensor may be; all problems are reported together, naming file and tensor.
 *
 * @since 0.1
 */
@Stable
public final class Checkpoint implements AutoCloseable {
    /** The single-file weights name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The sharded-weights index name. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The config name. */
    public static final String CONFIG_FILE = "config.json";
    /** The tokenizer name. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");
    private static final int MAX_LISTED_PROBLEMS = 20;
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private final Path directory;
    private final ModelConfig config;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private Checkpoint(Path directory, ModelConfig config, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.directory = directory;
        this.config = config;
        this.files = files;
        this.owner = owner;
    }

    /**
     * Opens and validates a model directory.
     *
     * @param directory the directory
     * @return the checkpoint
     * @throws Interp4jException naming the file and tensor of every problem found
     */
    public static Checkpoint open(Path directory) {
        requireNonNull(directory, "directory is null");
        if (!Files.isDirectory(directory)) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": not a directory (expected a Hugging Face model directory)");
        }
        refusePickleOnly(directory);
        ModelConfig config = ModelConfig.read(directory.resolve(CONFIG_FILE));
        checkEos(directory, config);
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = openWeights(directory, files);
            validateLayout(config, owner);
            return new Checkpoint(directory, config, List.copyOf(files), Collections.unmodifiableMap(owner));
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Map<String, SafetensorsFile> openWeights(Path directory, List<SafetensorsFile> files) {
        Path single = directory.resolve(SINGLE_FILE);
        Path index = directory.resolve(INDEX_FILE);
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        if (Files.isRegularFile(index)) {
            Map<String, String> weightMap = readWeightMap(index);
            Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
            for (String shard : new TreeSet<>(weightMap.values())) {
                Path shardPath = directory.resolve(shard);
                if (!shardPath.normalize().startsWith(directory.normalize()) || !Files.isRegularFile(shardPath)) {
                    throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, index + ": weight_map names shard '" + shard + "', which is not a file in " + directory);
                }
                SafetensorsFile file = SafetensorsFile.open(shardPath);
                files.add(file);
                byShard.put(shard, file);
            }
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile file = byShard.get(e.getValue());
                if (!file.tensors().containsKey(e.getKey())) {
                    problems.add(index + ": tensor '" + e.getKey() + "' is mapped to " + e.getValue() + ", which does not hold it");
                } else {
                    owner.put(e.getKey(), file);
                }
            }
            for (SafetensorsFile file : files) {
                for (String name : file.tensors().keySet()) {
                    if (file != owner.get(name) && !weightMap.containsKey(name)) {
                        problems.add(file.path() + ": tensor '" + name + "' is not listed in " + INDEX_FILE);
                    }
                }
            }
            failIfAny(problems);
            return owner;
        }
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            files.add(file);
            file.tensors().keySet().forEach(name -> owner.put(name, file));
            return owner;
        }
        throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " found");
    }

    /**
     * Refuses a config whose eos token is an ordinary token of the tokenizer beside it (a tokenizer
     * swapped in after the config was written): generation would stop on an ordinary token.
     */
    private static void checkEos(Path directory, ModelConfig config) {
        Path tokenizer = directory.resolve(TOKENIZER_FILE);
        if (config.eosTokenId().isEmpty() || !Files.isRegularFile(tokenizer)) {
            return;
        }
        int eos = config.eosTokenId().getAsInt();
        SpecialTokens special = SpecialTokens.read(tokenizer);
        if (!special.contains(eos)) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory.resolve(CONFIG_FILE) + ": eos_token_id " + eos
                    + " is not a special token of " + tokenizer + ", so generation would stop on an ordinary token; its special tokens: "
                    + special.describe() + ". Set eos_token_id to the one that ends text (random-model --tokenizer FILE does).");
        }
    }

    /** Refuses a directory whose only weights are pickles, before anything else is read. */
    private static void refusePickleOnly(Path directory) {
        if (Files.isRegularFile(directory.resolve(INDEX_FILE)) || Files.isRegularFile(directory.resolve(SINGLE_FILE))) {
            return;
        }
        List<String> pickles = pickleFiles(directory);
        if (!pickles.isEmpty()) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, directory + ": holds only pickle checkpoints " + pickles
                    + "; interp4j never loads pickle files, because unpickling can execute arbitrary code. Convert the model to"
                    + " safetensors first (in Python: model.save_pretrained(dir, safe_serialization=True)).");
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        StrictJson.Parsed parsed = StrictJson.readFile(index, MAX_INDEX_BYTES, "sharded weights need it", ErrorCode.INVALID_CHECKPOINT);
        StrictJson json = parsed.json();
        JsonObject root = json.object(parsed.value(), INDEX_FILE);
        JsonObject map = json.object(json.required(root, "weight_map"), "'weight_map'");
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : map.entrySet()) {
            result.put(e.getKey(), json.string(e.getValue(), "weight_map." + e.getKey()));
        }
        return result;
    }

    private static List<String> pickleFiles(Path directory) {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString())
                    .filter(name -> PICKLE_SUFFIXES.stream().anyMatch(name::endsWith))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, directory + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static void validateLayout(ModelConfig config, Map<String, SafetensorsFile> owner) {
        Map<String, long[]> expected = Qwen2Layout.expectedShapes(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            SafetensorsFile file = owner.get(e.getKey());
            if (file == null) {
                problems.add("missing tensor '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue()) + ")");
                continue;
            }
            long[] found = file.tensors().get(e.getKey()).shape();
            if (!Arrays.equals(found, e.getValue())) {
                problems.add(file.path() + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(found)
                        + " but config.json implies " + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, SafetensorsFile> e : owner.entrySet()) {
            String name = e.getKey();
            // transformers also saves lm_head.weight for tied models at times and ignores it on load
            boolean tiedHead = name.equals(Qwen2Layout.LM_HEAD) && config.tieWordEmbeddings();
            if (!expected.containsKey(name) && !tiedHead) {
                problems.add(e.getValue().path() + ": unexpected tensor '" + name + "' (not part of a qwen2 model with "
                        + config.numLayers() + " layers)");
            }
        }
        failIfAny(problems);
    }

    private static void failIfAny(List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(problems.size() + " checkpoint problem(s):");
        problems.stream().limit(MAX_LISTED_PROBLEMS).forEach(p -> message.append("\n  ").append(p));
        if (problems.size() > MAX_LISTED_PROBLEMS) {
            message.append("\n  ... and ").append(problems.size() - MAX_LISTED_PROBLEMS).append(" more");
        }
        throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, message.toString());
    }

    /**
     * Returns the model directory.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the architecture.
     *
     * @return the config
     */
    public ModelConfig config() {
        return config;
    }

    /**
     * Returns the tokenizer file, if the directory has one.
     *
     * @return {@code tokenizer.json}, or empty
     */
    public Optional<Path> tokenizerFile() {
        Path file = directory.resolve(TOKENIZER_FILE);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Returns the names of all tensors.
     *
     * @return the names, unmodifiable
     */
    public Set<String> tensorNames() {
        return owner.keySet();
    }

    /**
     * Returns a tensor's entry.
     *
     * @param name the tensor name
     * @return its entry
     */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /**
     * Returns a tensor as direct little-endian float32 data, zero-copy for aligned float32 storage.
     *
     * @param name the tensor name
     * @return the data, position 0
     * @see SafetensorsFile#float32(TensorInfo)
     */
    public ByteBuffer float32(String name) {
        SafetensorsFile file = file(name);
        return file.float32(file.info(name));
    }

    /**
     * Reads a tensor into a float array.
     *
     * @param name the tensor name
     * @return the values, row-major
     */
    public float[] readFloats(String name) {
        SafetensorsFile file = file(name);
        return file.readFloats(file.info(name));
    }

    /**
     * Returns the storage dtype of the weights (of the embedding, which sets the model's dtype).
     *
     * @return the dtype
     */
    public DType storageType() {
        return info(Qwen2Layout.EMBED).dtype();
    }

    /**
     * Returns the bytes the weights take as float32.
     *
     * @return 4 × the element count of every needed tensor
     */
    public long float32WeightBytes() {
        return Qwen2Layout.expectedShapes(config).keySet().stream().mapToLong(n -> info(n).elementCount() * 4).sum();
    }

    /**
     * Returns the safetensors files, in shard order.
     *
     * @return the files
     */
    public List<Path> weightFiles() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile file = owner.get(name);
        if (file == null) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": no tensor '" + name + "'");
        }
        return file;
    }

    /** Closes every weight file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
