package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The architecture of a Qwen2 model, as read from a Hugging Face {@code config.json}.
 *
 * @param modelType always {@code qwen2}
 * @param vocabSize rows of the embedding and of the unembedding
 * @param hiddenSize d_model
 * @param intermediateSize d_mlp
 * @param numLayers decoder blocks
 * @param numHeads query heads
 * @param numKvHeads key/value heads (GQA when fewer than query heads)
 * @param headDim d_head
 * @param rmsNormEps the RMSNorm epsilon
 * @param ropeTheta the RoPE base
 * @param tieWordEmbeddings whether the unembedding is the embedding matrix
 * @param maxPositionEmbeddings the longest sequence the model was configured for
 * @param bosTokenId the beginning-of-sequence token, if any
 * @param eosTokenId the end-of-sequence token that stops generation, if any
 * @param torchDtype the storage dtype named in the config, or {@code null}
 * @since 0.1
 */
@Stable
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        int maxPositionEmbeddings,
        OptionalInt bosTokenId,
        OptionalInt eosTokenId,
        String torchDtype) {

    private static final Set<String> SUPPORTED_TYPES = Set.of("qwen2");

    /** Validates the architecture. */
    public ModelConfig {
        requireNonNull(modelType, "modelType is null");
        requireNonNull(bosTokenId, "bosTokenId is null");
        requireNonNull(eosTokenId, "eosTokenId is null");
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numHeads % numKvHeads != 0) {
            throw invalid("num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw invalid("head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0)) {
            throw invalid("rms_norm_eps must be > 0, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw invalid("rope_theta must be > 0, found " + ropeTheta);
        }
    }

    /**
     * Creates a config with Qwen2.5's values for what is not given (rope_theta 1e6, rms_norm_eps 1e-6,
     * 32768 positions; note Hugging Face's {@code Qwen2Config} class itself defaults rope_theta to 1e4).
     *
     * @param vocabSize rows of the embedding
     * @param hiddenSize d_model
     * @param intermediateSize d_mlp
     * @param numLayers decoder blocks
     * @param numHeads query heads
     * @param numKvHeads key/value heads
     * @param tieWordEmbeddings whether the unembedding is the embedding
     * @return the config, with head_dim = hidden / heads, eps 1e-6, rope_theta 1e6
     */
    public static ModelConfig of(
            int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads, boolean tieWordEmbeddings) {
        if (numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw invalid("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        }
        return new ModelConfig("qwen2", vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                hiddenSize / numHeads, 1e-6, 1_000_000.0, tieWordEmbeddings, 32768, OptionalInt.empty(), OptionalInt.empty(), null);
    }

    /**
     * Reads and validates a {@code config.json}.
     *
     * @param file the file
     * @return the config
     * @throws Interp4jException naming the file and key when the config is missing, malformed, or
     *     describes an architecture interp4j does not run
     */
    public static ModelConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": file not found (a Hugging Face model directory needs config.json)");
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": not a valid config: " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a {@code config.json}.
     *
     * @param json the JSON text
     * @return the config
     */
    public static ModelConfig parse(String json) {
        try {
            return parseObject(json);
        } catch (Interp4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw invalid("a key has the wrong type or the text is not JSON: " + e.getMessage());
        }
    }

    private static ModelConfig parseObject(String json) {
        JsonElement root = JsonParser.parseString(json);
        if (!root.isJsonObject()) {
            throw invalid("not a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        String type = o.has("model_type") ? o.get("model_type").getAsString() : null;
        if (type == null || !SUPPORTED_TYPES.contains(type)) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "model_type '" + type + "' is not supported; allowed: " + SUPPORTED_TYPES);
        }
        String act = o.has("hidden_act") ? o.get("hidden_act").getAsString() : "silu";
        if (!act.equals("silu")) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "hidden_act '" + act + "' is not supported; allowed: silu");
        }
        if (o.has("rope_scaling") && !o.get("rope_scaling").isJsonNull()) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "rope_scaling " + o.get("rope_scaling") + " is not supported; allowed: null");
        }
        if (o.has("use_sliding_window") && o.get("use_sliding_window").getAsBoolean()) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "use_sliding_window true is not supported; allowed: false");
        }
        int hidden = requiredInt(o, "hidden_size");
        int heads = requiredInt(o, "num_attention_heads");
        int kvHeads = o.has("num_key_value_heads") && !o.get("num_key_value_heads").isJsonNull()
                ? o.get("num_key_value_heads").getAsInt() : heads;
        int headDim;
        if (o.has("head_dim") && !o.get("head_dim").isJsonNull()) {
            headDim = o.get("head_dim").getAsInt();
        } else {
            if (heads <= 0 || hidden % heads != 0) {
                throw invalid("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
            }
            headDim = hidden / heads;
        }
        return new ModelConfig(
                type,
                requiredInt(o, "vocab_size"),
                hidden,
                requiredInt(o, "intermediate_size"),
                requiredInt(o, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                o.has("rms_norm_eps") ? o.get("rms_norm_eps").getAsDouble() : 1e-6,
                o.has("rope_theta") ? o.get("rope_theta").getAsDouble() : 10000.0,
                o.has("tie_word_embeddings") && o.get("tie_word_embeddings").getAsBoolean(),
                o.has("max_position_embeddings") ? o.get("max_position_embeddings").getAsInt() : 32768,
                tokenId(o, "bos_token_id"),
                tokenId(o, "eos_token_id"),
                o.has("torch_dtype") && !o.get("torch_dtype").isJsonNull() ? o.get("torch_dtype").getAsString() : null);
    }

    /**
     * Writes this config as a Hugging Face {@code config.json} that transformers' {@code Qwen2Config}
     * reads.
     *
     * @return pretty-printed JSON
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("Qwen2ForCausalLM");
        o.add("architectures", architectures);
        o.addProperty("model_type", modelType);
        o.addProperty("hidden_act", "silu");
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numLayers);
        o.addProperty("num_attention_heads", numHeads);
        o.addProperty("num_key_value_heads", numKvHeads);
        if (headDim * numHeads != hiddenSize) {
            o.addProperty("head_dim", headDim);
        }
        o.addProperty("rms_norm_eps", rmsNormEps);
        o.addProperty("rope_theta", ropeTheta);
        o.add("rope_scaling", null);
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("use_sliding_window", false);
        o.addProperty("attention_dropout", 0.0);
        o.addProperty("initializer_range", 0.02);
        bosTokenId.ifPresent(id -> o.addProperty("bos_token_id", id));
        eosTokenId.ifPresent(id -> o.addProperty("eos_token_id", id));
        if (torchDtype != null) {
            o.addProperty("torch_dtype", torchDtype);
        }
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
    }

    /**
     * Returns a copy with other special tokens and storage dtype.
     *
     * @param bos the beginning-of-sequence token
     * @param eos the end-of-sequence token
     * @param dtype the storage dtype name
     * @return the new config
     */
    public ModelConfig withTokensAndDtype(OptionalInt bos, OptionalInt eos, String dtype) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, tieWordEmbeddings, maxPositionEmbeddings, bos, eos, dtype);
    }

    /**
     * Returns how many query heads share one key/value head.
     *
     * @return {@code numHeads / numKvHeads}
     */
    public int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }

    /**
     * Resolves the key/value head a query head reads under grouped-query attention: query heads are
     * grouped consecutively, as in Hugging Face's {@code repeat_kv}.
     *
     * @param queryHead a query head index
     * @return its key/value head index
     */
    public int kvHeadOf(int queryHead) {
        if (queryHead < 0 || queryHead >= numHeads) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "head " + queryHead + " is out of range; allowed 0.." + (numHeads - 1));
        }
        return queryHead / queriesPerKvHead();
    }

    /**
     * Returns the number of parameters, counting a tied embedding once.
     *
     * @return the parameter count
     */
    public long parameterCount() {
        long d = hiddenSize;
        long q = (long) numHeads * headDim;
        long kv = (long) numKvHeads * headDim;
        long perLayer = 2 * d // two RMSNorm weights
                + d * q + q // q_proj + bias
                + 2 * (d * kv + kv) // k_proj, v_proj + biases
                + q * d // o_proj
                + 3 * d * intermediateSize; // gate, up, down
        long embed = (long) vocabSize * d;
        return embed + (tieWordEmbeddings ? 0 : embed) + numLayers * perLayer + d;
    }

    private static int requiredInt(JsonObject o, String key) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            throw invalid("missing required key '" + key + "'");
        }
        return o.get(key).getAsInt();
    }

    private static OptionalInt tokenId(JsonObject o, String key) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return OptionalInt.empty();
        }
        JsonElement value = o.get(key);
        if (value.isJsonArray()) {
            return value.getAsJsonArray().isEmpty() ? OptionalInt.empty() : OptionalInt.of(value.getAsJsonArray().get(0).getAsInt());
        }
        return OptionalInt.of(value.getAsInt());
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw invalid(key + " must be > 0, found " + value);
        }
    }

    private static Interp4jException invalid(String message) {
        return new Interp4jException(ErrorCode.INVALID_CHECKPOINT, message);
    }
}
