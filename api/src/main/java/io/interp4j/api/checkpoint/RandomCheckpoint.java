package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.api.tokenizer.SpecialTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Writes complete Hugging Face Qwen2 directories with random weights — the project's own test
 * models. Deterministic from the seed. Weights are scaled so activations and logits are of order one
 * at any width ({@code N(0, 1/fan_in)} for projections, {@code N(0, 1/d)} for embeddings, RMSNorm
 * weights {@code 1 + N(0, 0.1²)}, biases {@code N(0, 0.1²)}), which makes numerical comparisons
 * meaningful on tiny models.
 *
 * @since 0.1
 */
@Internal
public final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /**
     * Returns the architecture of a named preset.
     *
     * @param name {@code qwen2.5-0.5b} or {@code qwen2.5-1.5b}
     * @return the exact shapes of that model
     */
    public static ModelConfig preset(String name) {
        ModelConfig base = switch (name) {
            case "qwen2.5-0.5b" -> ModelConfig.of(151_936, 896, 4864, 24, 14, 2, true);
            case "qwen2.5-1.5b" -> ModelConfig.of(151_936, 1536, 8960, 28, 12, 2, true);
            default -> throw new Interp4jException(ErrorCode.INVALID_ARGUMENT,
                    "unknown preset '" + name + "'; allowed: qwen2.5-0.5b, qwen2.5-1.5b");
        };
        return base;
    }

    /**
     * Writes a model directory: {@code config.json}, {@code model.safetensors} and a byte-level BPE
     * {@code tokenizer.json} whose end-of-text token is the config's eos token. The directory appears
     * only when complete.
     *
     * @param directory the target; must not exist or be empty
     * @param config the architecture; its vocabulary must hold the tokenizer (at least 257 rows)
     * @param dtype the storage type of the weights
     * @param seed the random seed
     * @return the config as written (with special tokens and dtype)
     */
    public static ModelConfig write(Path directory, ModelConfig config, DType dtype, long seed) {
        requireNonNull(directory, "directory is null");
        requireNonNull(config, "config is null");
        if (dtype == DType.F16) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "--dtype float16 cannot be written; allowed: float32, bfloat16");
        }
        if (config.vocabSize() < ByteLevelBpe.MIN_VOCAB) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "--vocab " + config.vocabSize()
                    + " is too small for the byte-level tokenizer; allowed: >= " + ByteLevelBpe.MIN_VOCAB);
        }
        checkEmptyTarget(directory);
        ByteLevelBpe tokenizer = ByteLevelBpe.train(Math.min(config.vocabSize(), ByteLevelBpe.MAX_VOCAB));
        ModelConfig written = config.withTokensAndDtype(
                OptionalInt.of(tokenizer.endOfTextId()), OptionalInt.of(tokenizer.endOfTextId()), dtype.torchName());
        writeDirectory(directory, written, tokenizer.toJson(), dtype, seed);
        return written;
    }

    /**
     * Writes a model directory with a given {@code tokenizer.json} (a real model's, say) instead of the
     * trained byte-level one; the config's bos and eos tokens are the tokenizer's special token {@code
     * eosToken}, so generation stops where that tokenizer ends text.
     *
     * @param directory the target; must not exist or be empty
     * @param config the architecture; its vocabulary must hold every id of the tokenizer
     * @param dtype the storage type of the weights
     * @param seed the random seed
     * @param tokenizerFile the {@code tokenizer.json} to copy
     * @param eosToken the special token that ends text, e.g. {@code <|endoftext|>}
     * @return the config as written
     * @throws Interp4jException when {@code eosToken} is not a special token of the file (listing those
     *     that are) or an id of the tokenizer does not fit the vocabulary
     * @since 0.3
     */
    public static ModelConfig write(Path directory, ModelConfig config, DType dtype, long seed, Path tokenizerFile, String eosToken) {
        requireNonNull(directory, "directory is null");
        requireNonNull(config, "config is null");
        requireNonNull(eosToken, "eosToken is null");
        if (dtype == DType.F16) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "--dtype float16 cannot be written; allowed: float32, bfloat16");
        }
        SpecialTokens special = SpecialTokens.read(tokenizerFile);
        int eos = special.idOf(eosToken).orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, tokenizerFile
                + ": '" + eosToken + "' is not a special token of this tokenizer, so it cannot end generation; its special tokens: "
                + special.describe()));
        String json;
        try {
            json = Files.readString(tokenizerFile);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, tokenizerFile + ": cannot read: " + e.getMessage(), e);
        }
        int largest = largestId(tokenizerFile, json);
        if (largest >= config.vocabSize()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, tokenizerFile + ": holds token id " + largest + ", which does not fit a vocabulary of "
                    + config.vocabSize() + "; allowed: --vocab >= " + (largest + 1));
        }
        checkEmptyTarget(directory);
        ModelConfig written = config.withTokensAndDtype(OptionalInt.of(eos), OptionalInt.of(eos), dtype.torchName());
        writeDirectory(directory, written, json, dtype, seed);
        return written;
    }

    /** The largest id in a tokenizer.json's vocabulary and added tokens. */
    private static int largestId(Path file, String json) {
        try {
            JsonObject root = JsonParser.parseString(json).getAsJsonObject();
            int largest = -1;
            JsonElement model = root.get("model");
            if (model != null && model.isJsonObject() && model.getAsJsonObject().get("vocab") instanceof JsonObject vocab) {
                for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
                    largest = Math.max(largest, e.getValue().getAsInt());
                }
            }
            if (root.get("added_tokens") instanceof JsonArray added) {
                for (JsonElement e : added) {
                    largest = Math.max(largest, e.getAsJsonObject().get("id").getAsInt());
                }
            }
            return largest;
        } catch (RuntimeException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, file + ": not a tokenizer.json: " + e.getMessage(), e);
        }
    }

    private static void writeDirectory(Path directory, ModelConfig written, String tokenizerJson, DType dtype, long seed) {
        Path parent = directory.toAbsolutePath().getParent();
        Path staging;
        try {
            Files.createDirectories(parent);
            staging = Files.createTempDirectory(parent, "." + directory.getFileName() + ".partial-");
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, directory + ": cannot create: " + e.getMessage(), e);
        }
        try {
            Files.writeString(staging.resolve(Checkpoint.CONFIG_FILE), written.toJson());
            Files.writeString(staging.resolve(Checkpoint.TOKENIZER_FILE), tokenizerJson);
            SafetensorsWriter.write(staging.resolve(Checkpoint.SINGLE_FILE), entries(written, dtype, seed), Map.of("format", "pt"));
            if (Files.isDirectory(directory)) {
                Files.delete(directory);
            }
            Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(staging);
            throw new Interp4jException(ErrorCode.IO_ERROR, directory + ": cannot write: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
    }

    private static List<SafetensorsWriter.Entry> entries(ModelConfig config, DType dtype, long seed) {
        SplittableRandom master = new SplittableRandom(seed);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            SplittableRandom random = master.split();
            double std;
            double mean = 0;
            if (name.endsWith("norm.weight")) {
                mean = 1;
                std = 0.1;
            } else if (name.endsWith(".bias")) {
                std = 0.1;
            } else if (name.equals(Qwen2Layout.EMBED) || name.equals(Qwen2Layout.LM_HEAD)) {
                std = 1 / Math.sqrt(config.hiddenSize());
            } else {
                std = 1 / Math.sqrt(shape[1]);
            }
            double m = mean;
            double s = std;
            int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
            entries.add(new SafetensorsWriter.Entry(name, dtype, shape, () -> {
                float[] values = new float[count];
                for (int i = 0; i < count; i++) {
                    values[i] = (float) (m + s * random.nextGaussian());
                }
                return values;
            }));
        }
        return entries;
    }

    private static void checkEmptyTarget(Path directory) {
        if (Files.exists(directory)) {
            boolean empty;
            try (Stream<Path> list = Files.list(directory)) {
                empty = list.findAny().isEmpty();
            } catch (IOException e) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, directory + ": exists and is not a readable directory");
            }
            if (!empty) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, directory + ": exists and is not empty; choose a new directory");
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort cleanup of a staging directory; the original failure is reported
        }
    }
}
