package io.interp4j.api.checkpoint;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT LoRA adapter directory: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * with tensors named as PEFT saves them, {@code base_model.model.model.layers.{L}.self_attn.q_proj.lora_A.weight}
 * ({@code [r, in]}) and {@code ...lora_B.weight} ({@code [out, r]}); an adapter name before {@code
 * .weight} (as in {@code lora_A.default.weight}) is accepted. Pickled {@code adapter_model.bin} is
 * refused, and so is any part the engines cannot apply (DoRA, embedding LoRA, {@code modules_to_save},
 * trained biases): never silently dropped. {@code adapter_config.json} is read strictly and must agree
 * with the tensors ({@link AdapterConfig}). Applying an adapter to a linear layer replaces its weight {@code W} by {@code W + s·B·A},
 * where {@code s} is PEFT's scaling ({@link #scaling}).
 *
 * @since 0.1
 */
@Internal
public final class LoraAdapter implements AutoCloseable {
    /** The adapter's config file. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** A pickled adapter, refused. */
    public static final String PICKLE_FILE = "adapter_model.bin";

    /** The largest rank accepted. */
    static final int MAX_RANK = 1 << 16;

    private static final Pattern LORA = Pattern.compile("^(.+)\\.lora_([AB])(?:\\.[^.]+)?\\.weight$");
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(0|[1-9][0-9]{0,6})\\.(.+)$");

    /**
     * One adapted module.
     *
     * @param layer the decoder block, or −1 for a module outside the blocks
     * @param module e.g. {@code self_attn.q_proj}, or the full module path when {@code layer} is −1
     * @param a the {@code lora_A} entry, {@code [r, in]}
     * @param b the {@code lora_B} entry, {@code [out, r]}
     * @param alpha the module's {@code lora_alpha}
     * @since 0.1
     */
    public record Module(int layer, String module, TensorInfo a, TensorInfo b, double alpha) {
        /**
         * Returns the rank.
         *
         * @return r
         */
        public int rank() {
            return (int) a.shape()[0];
        }

        /**
         * Returns the name of the base weight this module adapts.
         *
         * @return e.g. {@code model.layers.3.self_attn.q_proj.weight}
         */
        public String baseWeight() {
            return layer >= 0 ? Qwen2Layout.layer(layer, module + ".weight") : module + ".weight";
        }
    }

    private final Path directory;
    private final SafetensorsFile weights;
    private final List<Module> modules;
    private final boolean rsLora;

    private LoraAdapter(Path directory, SafetensorsFile weights, List<Module> modules, boolean rsLora) {
        this.directory = directory;
        this.weights = weights;
        this.modules = modules;
        this.rsLora = rsLora;
    }

    /**
     * Opens and validates an adapter directory.
     *
     * @param directory the directory
     * @return the adapter, to be closed
     */
    public static LoraAdapter open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": not a directory (expected a PEFT adapter directory with "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE + ")");
        }
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            if (Files.isRegularFile(directory.resolve(PICKLE_FILE))) {
                throw new Interp4jException(ErrorCode.UNSUPPORTED, directory.resolve(PICKLE_FILE) + ": the adapter is a pickle checkpoint;"
                        + " interp4j never loads pickle files, because unpickling can execute arbitrary code. Save it as safetensors first"
                        + " (in Python: model.save_pretrained(dir, safe_serialization=True)).");
            }
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, weightsFile + ": file not found (a PEFT adapter directory needs "
                    + WEIGHTS_FILE + ")");
        }
        AdapterConfig config = AdapterConfig.read(directory.resolve(CONFIG_FILE));
        SafetensorsFile weights = SafetensorsFile.open(weightsFile);
        try {
            LoraAdapter adapter = build(directory, weights, config);
            config.checkAgainst(adapter.modules, weights.path());
            return adapter;
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static LoraAdapter build(Path directory, SafetensorsFile weights, AdapterConfig config) {
        Map<String, TensorInfo[]> pairs = new LinkedHashMap<>();
        for (TensorInfo info : weights.tensors().values()) {
            Matcher m = LORA.matcher(info.name());
            if (!m.matches()) {
                throw invalid(weights.path(), "tensor '" + info.name() + "' is not a LoRA matrix (" + unsupportedPart(info.name())
                        + "); interp4j applies only lora_A/lora_B pairs of linear layers and never drops a part of an adapter");
            }
            TensorInfo[] pair = pairs.computeIfAbsent(m.group(1), k -> new TensorInfo[2]);
            int slot = m.group(2).equals("A") ? 0 : 1;
            if (pair[slot] != null) {
                throw invalid(weights.path(), "module '" + m.group(1) + "' has two lora_" + m.group(2) + " tensors: '"
                        + pair[slot].name() + "' and '" + info.name() + "'");
            }
            pair[slot] = info;
        }
        List<Module> modules = new ArrayList<>();
        for (Map.Entry<String, TensorInfo[]> e : pairs.entrySet()) {
            TensorInfo a = e.getValue()[0];
            TensorInfo b = e.getValue()[1];
            if (a == null || b == null) {
                throw invalid(weights.path(), "module '" + e.getKey() + "' has " + (a == null ? "lora_B '" + b.name() + "' but no lora_A"
                        : "lora_A '" + a.name() + "' but no lora_B"));
            }
            long[] sa = a.shape();
            long[] sb = b.shape();
            if (sa.length != 2 || sb.length != 2 || sa[0] != sb[1] || sa[0] < 1 || sa[0] > MAX_RANK) {
                throw invalid(weights.path(), "module '" + e.getKey() + "': lora_A has shape " + Arrays.toString(sa) + " and lora_B "
                        + Arrays.toString(sb) + "; expected [r, in] and [out, r] with the same r in 1.." + MAX_RANK);
            }
            Matcher layer = LAYER.matcher(e.getKey());
            double moduleAlpha = patternValue(e.getKey(), config.alpha(), config.alphaPattern());
            modules.add(layer.find()
                    ? new Module(Integer.parseInt(layer.group(1)), layer.group(2), a, b, moduleAlpha)
                    : new Module(-1, e.getKey(), a, b, moduleAlpha));
        }
        if (modules.isEmpty()) {
            throw invalid(weights.path(), "holds no LoRA tensors (names ending in .lora_A.weight / .lora_B.weight)");
        }
        modules.sort(Comparator.comparingInt(Module::layer)); // stable: header order within a layer
        return new LoraAdapter(directory, weights, List.copyOf(modules), config.rsLora());
    }

    /** Names the PEFT feature a tensor that is not a LoRA matrix belongs to. */
    private static String unsupportedPart(String name) {
        if (name.contains("lora_magnitude_vector")) {
            return "DoRA's magnitude vector";
        }
        if (name.contains("lora_embedding_A") || name.contains("lora_embedding_B")) {
            return "a LoRA of an embedding";
        }
        if (name.contains("modules_to_save")) {
            return "a fully trained copy of a module (modules_to_save)";
        }
        if (name.endsWith(".bias")) {
            return "a trained bias";
        }
        return "an unknown part";
    }

    /** PEFT matches an {@code alpha_pattern} or {@code rank_pattern} key against the module path as the regex {@code (.*\.)?key$}. */
    static <T> T patternValue(String module, T fallback, Map<String, T> pattern) {
        for (Map.Entry<String, T> e : pattern.entrySet()) {
            if (patternMatches(e.getKey(), module)) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private static boolean patternMatches(String key, String module) {
        Pattern regex;
        try {
            regex = Pattern.compile("(.*\\.)?" + key + "$");
        } catch (PatternSyntaxException ex) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, CONFIG_FILE + ": pattern key '" + key
                    + "' is not a regular expression: " + ex.getDescription(), ex);
        }
        return regex.matcher(module).matches();
    }

    private static Interp4jException invalid(Path file, String message) {
        return new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": " + message);
    }

    /**
     * Checks that every module adapts a linear weight of this model with matching shapes.
     *
     * @param config the base model
     * @throws Interp4jException naming the adapter, module and shapes when one does not fit
     */
    public void checkAgainst(ModelConfig config) {
        Map<String, long[]> shapes = Qwen2Layout.expectedShapes(config);
        List<String> problems = new ArrayList<>();
        for (Module m : modules) {
            long[] base = shapes.get(m.baseWeight());
            if (base == null || base.length != 2) {
                problems.add("module '" + m.module() + "'" + (m.layer() >= 0 ? " of layer " + m.layer() : "")
                        + " adapts '" + m.baseWeight() + "', which is not a linear weight of this " + config.numLayers() + "-layer model");
            } else if (m.a().shape()[1] != base[1] || m.b().shape()[0] != base[0]) {
                problems.add("module '" + m.baseWeight() + "': lora_A " + Arrays.toString(m.a().shape()) + " and lora_B "
                        + Arrays.toString(m.b().shape()) + " do not fit the base weight " + Arrays.toString(base)
                        + " (expected [r, " + base[1] + "] and [" + base[0] + ", r])");
            }
        }
        if (!problems.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": adapter does not fit the model: " + String.join("; ", problems));
        }
    }

    /**
     * Returns the adapter directory.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the adapted modules, by layer.
     *
     * @return the modules
     */
    public List<Module> modules() {
        return modules;
    }

    /**
     * Returns PEFT's scaling of {@code B·A}.
     *
     * @param module an adapted module
     * @return {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA
     */
    public double scaling(Module module) {
        return rsLora ? module.alpha() / Math.sqrt(module.rank()) : module.alpha() / module.rank();
    }

    /**
     * Reads a LoRA matrix.
     *
     * @param info {@link Module#a()} or {@link Module#b()}
     * @return the values, row-major, as float32
     */
    public float[] read(TensorInfo info) {
        return weights.readFloats(info);
    }

    /**
     * Merges a module into its base weight: {@code W + s·B·A}, each element accumulated in double.
     *
     * @param module an adapted module
     * @param base the base weight {@code [out, in]}, row-major (not modified)
     * @return the merged weight, row-major
     */
    public float[] merge(Module module, float[] base) {
        int rank = module.rank();
        int in = (int) module.a().shape()[1];
        int out = (int) module.b().shape()[0];
        if (base.length != (long) out * in) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, directory + ": module '" + module.baseWeight() + "' adapts a ["
                    + out + ", " + in + "] weight, found " + base.length + " values");
        }
        float[] a = read(module.a());
        float[] b = read(module.b());
        double scale = scaling(module);
        float[] merged = new float[base.length];
        java.util.stream.IntStream.range(0, out).parallel().forEach(o -> {
            double[] row = new double[in];
            for (int r = 0; r < rank; r++) {
                double coefficient = b[o * rank + r];
                int offset = r * in;
                for (int i = 0; i < in; i++) {
                    row[i] += coefficient * a[offset + i];
                }
            }
            for (int i = 0; i < in; i++) {
                merged[o * in + i] = (float) (base[o * in + i] + scale * row[i]);
            }
        });
        return merged;
    }

    @Override
    public void close() {
        weights.close();
    }
}
