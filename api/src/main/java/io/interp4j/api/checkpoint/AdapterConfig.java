package io.interp4j.api.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PEFT {@code adapter_config.json}, read strictly ({@link StrictJson}): the keys that decide how the
 * adapter is applied, each with its exact type, and a refusal of every feature the engines cannot
 * apply (DoRA, {@code modules_to_save}, trained biases, layer replication, trainable tokens,
 * transposed weights, QALoRA's pooled inputs, aLoRA's invocation tokens, Arrow's routing), named by its
 * key. {@link #checkAgainst} then requires the tensors to agree with {@code r} (and {@code
 * rank_pattern}), {@code target_modules}, {@code exclude_modules} and {@code layers_to_transform}.
 *
 * @param file the file, for messages
 * @param rank {@code r}
 * @param alpha {@code lora_alpha}
 * @param rankPattern {@code rank_pattern}: module pattern to rank
 * @param alphaPattern {@code alpha_pattern}: module pattern to alpha
 * @param targets {@code target_modules} as a list of names (matched as PEFT does: the module path equals
 *     one or ends with {@code "." + name}), empty when not given
 * @param targetRegex {@code target_modules} given as one string: a regex the whole module path matches
 *     ({@code all-linear} for every linear layer), or empty
 * @param rsLora {@code use_rslora}
 * @param excluded {@code exclude_modules} as a list of names, matched as {@code target_modules}; empty when not given
 * @param excludedRegex {@code exclude_modules} given as one string, a regex, or empty
 * @param layers {@code layers_to_transform}: the only blocks PEFT adapts, or empty for all
 */
record AdapterConfig(
        Path file,
        int rank,
        double alpha,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern,
        Optional<List<String>> targets,
        Optional<String> targetRegex,
        boolean rsLora,
        List<String> excluded,
        Optional<String> excludedRegex,
        Optional<java.util.Set<Integer>> layers) {

    private static final long MAX_BYTES = 16L << 20;
    private static final int MAX_RANK = LoraAdapter.MAX_RANK;
    private static final int MAX_LAYER = io.interp4j.api.model.ModelConfig.MAX_LAYERS - 1;

    /**
     * The keys a PEFT LoRA adapter_config.json may hold: those read here, those refused here unless
     * they are off, and PEFT's bookkeeping and initialisation keys, which do not change how a trained
     * adapter applies. Any other key is refused: a newer PEFT's key may change how the adapter applies,
     * and an adapter applied without it would give wrong numbers without a word.
     */
    private static final java.util.Set<String> KNOWN_KEYS = java.util.Set.of(
            // read, or refused unless off
            "peft_type", "r", "lora_alpha", "use_rslora", "rank_pattern", "alpha_pattern", "target_modules", "exclude_modules",
            "layers_to_transform", "use_dora", "modules_to_save", "layer_replication", "trainable_token_indices", "target_parameters",
            "lora_bias", "fan_in_fan_out", "bias", "use_qalora", "alora_invocation_tokens", "arrow_config",
            // bookkeeping: what the adapter was trained on and with
            "task_type", "base_model_name_or_path", "revision", "inference_mode", "auto_mapping", "peft_version", "lora_dropout",
            "layers_pattern", "megatron_config", "megatron_core", "qalora_group_size", "ensure_weight_tying", "runtime_config",
            // how the weights were initialised before training
            "init_lora_weights", "loftq_config", "eva_config", "corda_config");

    static AdapterConfig read(Path file) {
        StrictJson.Parsed parsed = StrictJson.readFile(file, MAX_BYTES, "a PEFT adapter directory needs " + LoraAdapter.CONFIG_FILE,
                ErrorCode.INVALID_CHECKPOINT);
        StrictJson json = parsed.json();
        JsonObject o = json.object(parsed.value(), "the top level");
        String type = json.optionalString(o, "peft_type").orElse("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, file + ": peft_type '" + type + "' is not supported; allowed: LORA");
        }
        List<String> unknown = o.keySet().stream().filter(k -> !KNOWN_KEYS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw json.error("unknown key" + (unknown.size() == 1 ? " '" + unknown.get(0) + "'" : "s " + unknown)
                    + ": interp4j cannot tell whether it changes how the adapter applies; allowed: " + new java.util.TreeSet<>(KNOWN_KEYS));
        }
        refuse(json, o, "use_dora", v -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean(),
                "DoRA (a magnitude vector per module) cannot be applied; allowed: false");
        refuse(json, o, "modules_to_save", AdapterConfig::emptyArray,
                "fully trained module copies cannot be applied; allowed: null or []");
        refuse(json, o, "layer_replication", v -> false, "layer replication changes the model's blocks; allowed: null");
        refuse(json, o, "trainable_token_indices", v -> false, "trainable token embeddings cannot be applied; allowed: null");
        refuse(json, o, "target_parameters", AdapterConfig::emptyArray, "LoRA on raw parameters cannot be applied; allowed: null or []");
        refuse(json, o, "lora_bias", v -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean(),
                "a bias on lora_B cannot be applied; allowed: false");
        refuse(json, o, "fan_in_fan_out", v -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean(),
                "transposed (Conv1D) weights are not Qwen2's layout; allowed: false");
        refuse(json, o, "bias", v -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() && v.getAsString().equals("none"),
                "trained biases cannot be applied; allowed: \"none\"");
        refuse(json, o, "use_qalora", v -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean(),
                "QALoRA (lora_A on group-pooled inputs) cannot be applied; allowed: false");
        refuse(json, o, "alora_invocation_tokens", v -> false,
                "an activated LoRA (on only after its invocation tokens) cannot be applied; allowed: null");
        refuse(json, o, "arrow_config", v -> false, "Arrow's routing among several adapters cannot be applied; allowed: null");
        int rank = json.requiredInt(o, "r", 1, MAX_RANK);
        double alpha = json.finite(json.required(o, "lora_alpha"), "lora_alpha");
        boolean rsLora = json.optionalBoolean(o, "use_rslora").orElse(false);
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        json.present(o, "rank_pattern").ifPresent(v -> json.object(v, "'rank_pattern'").entrySet().forEach(e ->
                rankPattern.put(e.getKey(), (int) json.integer(e.getValue(), "rank_pattern." + e.getKey(), 1, MAX_RANK))));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        json.present(o, "alpha_pattern").ifPresent(v -> json.object(v, "'alpha_pattern'").entrySet().forEach(e ->
                alphaPattern.put(e.getKey(), json.finite(e.getValue(), "alpha_pattern." + e.getKey()))));
        Optional<List<String>> targets = Optional.empty();
        Optional<String> regex = Optional.empty();
        Optional<JsonElement> target = json.present(o, "target_modules");
        if (target.isPresent() && target.get().isJsonArray()) {
            List<String> names = new ArrayList<>();
            JsonArray array = target.get().getAsJsonArray();
            for (int i = 0; i < array.size(); i++) {
                names.add(json.string(array.get(i), "target_modules[" + i + "]"));
            }
            targets = Optional.of(List.copyOf(names));
        } else if (target.isPresent()) {
            regex = Optional.of(json.string(target.get(), "target_modules"));
        }
        List<String> excluded = new ArrayList<>();
        Optional<String> excludedRegex = Optional.empty();
        Optional<JsonElement> exclude = json.present(o, "exclude_modules");
        if (exclude.isPresent() && exclude.get().isJsonArray()) {
            JsonArray array = exclude.get().getAsJsonArray();
            for (int i = 0; i < array.size(); i++) {
                excluded.add(json.string(array.get(i), "exclude_modules[" + i + "]"));
            }
        } else if (exclude.isPresent()) {
            excludedRegex = Optional.of(json.string(exclude.get(), "exclude_modules"));
        }
        Optional<java.util.Set<Integer>> layers = json.present(o, "layers_to_transform").map(v -> {
            java.util.Set<Integer> set = new java.util.TreeSet<>();
            if (v.isJsonArray()) {
                JsonArray array = v.getAsJsonArray();
                for (int i = 0; i < array.size(); i++) {
                    set.add((int) json.integer(array.get(i), "layers_to_transform[" + i + "]", 0, MAX_LAYER));
                }
            } else {
                set.add((int) json.integer(v, "layers_to_transform", 0, MAX_LAYER));
            }
            return java.util.Set.copyOf(set);
        });
        return new AdapterConfig(file, rank, alpha, Map.copyOf(rankPattern), alphaPattern, targets, regex, rsLora, List.copyOf(excluded),
                excludedRegex, layers);
    }

    private static boolean emptyArray(JsonElement value) {
        return value.isJsonArray() && value.getAsJsonArray().isEmpty();
    }

    /** Refuses a key that is present, not null and not {@code allowed}. */
    private static void refuse(StrictJson json, JsonObject o, String key, java.util.function.Predicate<JsonElement> allowed, String why) {
        json.present(o, key).filter(v -> !allowed.test(v)).ifPresent(v -> {
            throw json.error("'" + key + "' is " + StrictJson.describe(v) + ": " + why);
        });
    }

    /**
     * Checks that the tensors agree with this config: each module's rank is {@code r} (or its {@code
     * rank_pattern} entry), each module is one {@code target_modules} names, and each named target
     * has a module.
     */
    void checkAgainst(List<LoraAdapter.Module> modules, Path weights) {
        List<String> problems = new ArrayList<>();
        for (LoraAdapter.Module m : modules) {
            String path = modulePath(m);
            int expected = LoraAdapter.patternValue(path, rank, rankPattern);
            if (m.rank() != expected) {
                problems.add("module '" + path + "' has rank " + m.rank() + " (lora_A " + java.util.Arrays.toString(m.a().shape())
                        + ") but " + (expected == rank ? "'r' is " + rank : "its rank_pattern entry is " + expected));
            }
            if (!targeted(path)) {
                problems.add("module '" + path + "' is not in target_modules " + targets.map(Object::toString).orElse(targetRegex.orElse("")));
            }
            if (excluded.stream().anyMatch(name -> matchesName(path, name)) || excludedRegex.filter(r -> matches(r, path)).isPresent()) {
                problems.add("module '" + path + "' is in exclude_modules " + (excluded.isEmpty() ? excludedRegex.orElse("") : excluded));
            }
            if (layers.isPresent() && !layers.get().contains(m.layer())) {
                problems.add("module '" + path + "' is " + (m.layer() >= 0 ? "in layer " + m.layer() : "outside the blocks")
                        + ", which layers_to_transform " + new java.util.TreeSet<>(layers.get()) + " leaves out");
            }
        }
        targets.ifPresent(names -> {
            for (String name : names) {
                if (modules.stream().noneMatch(m -> matchesName(modulePath(m), name))) {
                    problems.add("target_modules names '" + name + "' but " + weights.getFileName() + " holds no LoRA pair for it");
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": does not agree with " + weights + ": "
                    + String.join("; ", problems));
        }
    }

    private boolean targeted(String path) {
        if (targets.isPresent()) {
            return targets.get().stream().anyMatch(name -> matchesName(path, name));
        }
        if (targetRegex.isPresent()) {
            String regex = targetRegex.get();
            if (regex.equals("all-linear")) {
                return !path.endsWith("lm_head");
            }
            return matches(regex, path);
        }
        return true; // no target_modules given: nothing to agree with
    }

    /** Whether the whole module path matches a {@code target_modules} or {@code exclude_modules} regex, as PEFT matches it. */
    private boolean matches(String regex, String path) {
        try {
            return java.util.regex.Pattern.compile(regex).matcher(path).matches();
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": \"" + regex + "\" (target_modules or exclude_modules)"
                    + " is not a regular expression: " + e.getDescription(), e);
        }
    }

    private static boolean matchesName(String path, String name) {
        return path.equals(name) || path.endsWith("." + name);
    }

    /** The module's path in the base model, as PEFT matches it, e.g. {@code model.layers.0.self_attn.q_proj}. */
    private static String modulePath(LoraAdapter.Module m) {
        String weight = m.baseWeight();
        String path = weight.substring(0, weight.length() - ".weight".length());
        return path.startsWith("base_model.model.") ? path.substring("base_model.model.".length()) : path;
    }
}
