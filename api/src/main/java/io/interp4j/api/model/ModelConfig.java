package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.checkpoint.StrictJson;
import java.nio.file.Path;
import java.util.Optional;
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
    /** The most vocabulary rows accepted (2^24). */
    public static final int MAX_VOCAB = 1 << 24;
    /** The widest hidden or intermediate size accepted (2^20). */
    public static final int MAX_WIDTH = 1 << 20;
    /** The most decoder blocks accepted. */
    public static final int MAX_LAYERS = 1024;
    /** The most attention heads accepted. */
    public static final int MAX_HEADS = 1024;
    /** The widest head accepted. */
    public static final int MAX_HEAD_DIM = 4096;
    /** The largest max_position_embeddings accepted (2^24). */
    public static final int MAX_POSITIONS = 1 << 24;
    /** The largest config.json read, in bytes. */
    private static final long MAX_CONFIG_BYTES = 16L << 20;

    /** Validates the architecture. */
    public ModelConfig {
        requireNonNull(modelType, "modelType is null");
        requireNonNull(bosTokenId, "bosTokenId is null");
        requireNonNull(eosTokenId, "eosTokenId is null");
        // bounds far above any released model, checked before anything is sized from them (a
        // num_hidden_layers of 10^9 must not build 10^9 tensor names)
        range("vocab_size", vocabSize, MAX_VOCAB);
        range("hidden_size", hiddenSize, MAX_WIDTH);
        range("intermediate_size", intermediateSize, MAX_WIDTH);
        range("num_hidden_layers", numLayers, MAX_LAYERS);
        range("num_attention_heads", numHeads, MAX_HEADS);
        range("num_key_value_heads", numKvHeads, MAX_HEADS);
        range("head_dim", headDim, MAX_HEAD_DIM);
        range("max_position_embeddings", maxPositionEmbeddings, MAX_POSITIONS);
        bosTokenId.ifPresent(id -> tokenRange("bos_token_id", id, vocabSize));
        eosTokenId.ifPresent(id -> tokenRange("eos_token_id", id, vocabSize));
        if (numHeads % numKvHeads != 0) {
            throw invalid("num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw invalid("head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0) || !Double.isFinite(rmsNormEps)) {
            throw invalid("rms_norm_eps must be finite and > 0, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
            throw invalid("rope_theta must be finite and > 0, found " + ropeTheta);
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
        StrictJson.Parsed parsed = StrictJson.readFile(file, MAX_CONFIG_BYTES, "a Hugging Face model directory needs config.json",
                ErrorCode.INVALID_CHECKPOINT);
        try {
            return fromJson(parsed.json(), parsed.value());
        } catch (Interp4jException e) {
            if (e.getMessage().startsWith(file + ": ")) {
                throw e;
            }
            throw new Interp4jException(e.code(), file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a {@code config.json} (strictly, as {@link #read} does).
     *
     * @param json the JSON text
     * @return the config
     */
    public static ModelConfig parse(String json) {
        StrictJson strict = StrictJson.in("config.json", ErrorCode.INVALID_CHECKPOINT);
        return fromJson(strict, strict.parse(json));
    }

    /**
     * Reads the keys interp4j uses, each with its exact JSON type (an integer written as one and
     * within int range, a finite number, a boolean, a string); other keys are ignored, as transformers
     * ignores them.
     */
    private static ModelConfig fromJson(StrictJson json, JsonElement root) {
        JsonObject o = json.object(root, "the top level");
        String type = json.optionalString(o, "model_type").orElse(null);
        if (type == null || !SUPPORTED_TYPES.contains(type)) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "model_type '" + type + "' is not supported; allowed: " + SUPPORTED_TYPES);
        }
        String act = json.optionalString(o, "hidden_act").orElse("silu");
        if (!act.equals("silu")) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "hidden_act '" + act + "' is not supported; allowed: silu");
        }
        if (json.present(o, "rope_scaling").isPresent()) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "rope_scaling " + o.get("rope_scaling") + " is not supported; allowed: null");
        }
        if (json.optionalBoolean(o, "use_sliding_window").orElse(false)) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, "use_sliding_window true is not supported; allowed: false");
        }
        int min = Integer.MIN_VALUE;
        int max = Integer.MAX_VALUE;
        int hidden = json.requiredInt(o, "hidden_size", min, max);
        int heads = json.requiredInt(o, "num_attention_heads", min, max);
        int kvHeads = json.optionalInt(o, "num_key_value_heads", min, max).orElse(heads);
        Optional<Integer> headDim = json.optionalInt(o, "head_dim", min, max);
        if (headDim.isEmpty() && (heads <= 0 || hidden % heads != 0)) {
            throw invalid("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        return new ModelConfig(
                type,
                json.requiredInt(o, "vocab_size", min, max),
                hidden,
                json.requiredInt(o, "intermediate_size", min, max),
                json.requiredInt(o, "num_hidden_layers", min, max),
                heads,
                kvHeads,
                headDim.orElseGet(() -> hidden / heads),
                json.optionalFinite(o, "rms_norm_eps").orElse(1e-6),
                json.optionalFinite(o, "rope_theta").orElse(10000.0),
                json.optionalBoolean(o, "tie_word_embeddings").orElse(false),
                json.optionalInt(o, "max_position_embeddings", min, max).orElse(32768),
                tokenId(json, o, "bos_token_id"),
                tokenId(json, o, "eos_token_id"),
                json.optionalString(o, "torch_dtype").orElse(null));
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

    /** A token id: an integer, or (as transformers allows for eos) a list whose first entry is used. */
    private static OptionalInt tokenId(StrictJson json, JsonObject o, String key) {
        Optional<JsonElement> value = json.present(o, key);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        if (value.get().isJsonArray()) {
            JsonArray ids = value.get().getAsJsonArray();
            for (int i = 0; i < ids.size(); i++) {
                json.integer(ids.get(i), key + "[" + i + "]", 0, Integer.MAX_VALUE);
            }
            return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of((int) json.integer(ids.get(0), key + "[0]", 0, Integer.MAX_VALUE));
        }
        return OptionalInt.of((int) json.integer(value.get(), key, 0, Integer.MAX_VALUE));
    }

    private static void range(String key, int value, int max) {
        if (value <= 0 || value > max) {
            throw invalid(key + " is " + value + "; allowed 1.." + max);
        }
    }

    private static void tokenRange(String key, int id, int vocab) {
        if (id < 0 || id >= vocab) {
            throw invalid(key + " is " + id + "; allowed 0.." + (vocab - 1) + " (vocab_size " + vocab + ")");
        }
    }

    private static Interp4jException invalid(String message) {
        return new Interp4jException(ErrorCode.INVALID_CHECKPOINT, message);
    }
}
