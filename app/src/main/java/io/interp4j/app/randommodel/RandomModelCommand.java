package io.interp4j.app.randommodel;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.UsageException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code interp4j random-model}: writes a complete Hugging Face Qwen2 directory with random weights. The
 * shape options are checked and defaulted by {@link RandomModelRecipe}, which a study's {@code create}
 * block shares.
 */
@Command(name = "random-model", sortOptions = false, description = {
    "Writes config.json, model.safetensors and a byte-level BPE tokenizer.json with random weights, deterministic from the seed; "
    + "with --tokenizer, that tokenizer.json instead, and its special token --eos as the config's eos (and bos) token."})
public final class RandomModelCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model directory to write.")
    private Path target;

    @Option(names = "--seed", required = true, paramLabel = "N", description = "The seed of the weights.")
    private long seed;

    @Option(names = "--preset", paramLabel = "NAME", description = "qwen2.5-0.5b or qwen2.5-1.5b: exactly that model's shapes, instead of"
            + " the shape options.")
    private String preset;

    @Option(names = "--layers", paramLabel = "N", description = "Layers (default: 2).")
    private Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "d_model (default: 64).")
    private Integer hidden;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads (default: 4).")
    private Integer heads;

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads (default: 2, or --heads if fewer).")
    private Integer kvHeads;

    @Option(names = "--intermediate", paramLabel = "N", description = "d_mlp (default: 2 x --hidden).")
    private Integer intermediate;

    @Option(names = "--vocab", paramLabel = "N", description = "Vocabulary size (default: 512).")
    private Integer vocab;

    @Option(names = "--tied", arity = "1", paramLabel = "true|false", description = "Whether the unembedding is the embedding (default: true).")
    private Boolean tied;

    @Option(names = "--dtype", paramLabel = "float32|bfloat16", description = "The storage type (default: float32).")
    private String dtype;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer.json to write instead of the byte-level BPE one.")
    private Path tokenizer;

    @Option(names = "--eos", paramLabel = "TOKEN", description = "A special token of --tokenizer that ends generation (default: "
            + ByteLevelBpe.END_OF_TEXT + ").")
    private String eos;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public RandomModelCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        RandomModelRecipe recipe = RandomModelRecipe.read(options()::get, "--");
        DType storage = recipe.dtype();
        ModelConfig config = recipe.config();
        long started = System.nanoTime();
        if (eos != null && tokenizer == null) {
            throw new UsageException("--eos names a special token of --tokenizer FILE; give --tokenizer too");
        }
        ModelConfig written = tokenizer != null
                ? RandomCheckpoint.write(target, config, storage, seed, tokenizer, eos == null ? ByteLevelBpe.END_OF_TEXT : eos)
                : RandomCheckpoint.write(target, config, storage, seed);
        context.err().printf(Locale.ROOT, "wrote %s: %d layers, d_model %d, %d heads / %d kv heads, d_mlp %d, vocab %d, eos %d, %s, %,d"
                + " parameters (%.1f s)%n", target, written.numLayers(), written.hiddenSize(), written.numHeads(), written.numKvHeads(),
                written.intermediateSize(), written.vocabSize(), written.eosTokenId().getAsInt(), storage.torchName(),
                written.parameterCount(), (System.nanoTime() - started) / 1e9);
    }

    /** The recipe's options, by the recipe's names: empty where not given. */
    private Map<String, Optional<String>> options() {
        Map<String, Optional<String>> given = new LinkedHashMap<>();
        given.put("seed", Optional.of(Long.toString(seed)));
        given.put("preset", Optional.ofNullable(preset));
        given.put("dtype", Optional.ofNullable(dtype));
        given.put("layers", text(layers));
        given.put("hidden", text(hidden));
        given.put("heads", text(heads));
        given.put("kv-heads", text(kvHeads));
        given.put("intermediate", text(intermediate));
        given.put("vocab", text(vocab));
        given.put("tied", text(tied));
        return given;
    }

    private static Optional<String> text(Object value) {
        return Optional.ofNullable(value).map(String::valueOf);
    }
}
