package io.interp4j.app.randommodel;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.UsageException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code interp4j random-model}: writes a complete Hugging Face Qwen2 directory with random weights. */
public final class RandomModelCommand implements Command {
    private static final List<String> SHAPE_OPTIONS = List.of("layers", "hidden", "heads", "kv-heads", "intermediate", "vocab", "tied");

    @Override
    public String name() {
        return "random-model";
    }

    @Override
    public String usage() {
        return "random-model --out DIR --seed N [--preset qwen2.5-0.5b|qwen2.5-1.5b | --layers 2 --hidden 64 --heads 4 --kv-heads 2\n"
                + "             --intermediate 128 --vocab 512 --tied true] [--dtype float32|bfloat16]\n"
                + "    Writes config.json, model.safetensors and a byte-level BPE tokenizer.json with random weights.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("out", "seed", "preset", "layers", "hidden", "heads", "kv-heads",
                "intermediate", "vocab", "dtype", "tied"));
        Path target = args.path("out");
        long seed = args.requireLong("seed");
        DType dtype = DType.fromTorchName(args.choice("dtype", "float32", "float32", "bfloat16"), "--dtype");
        ModelConfig config;
        if (args.has("preset")) {
            for (String option : SHAPE_OPTIONS) {
                if (args.has(option)) {
                    throw new UsageException("--" + option + " cannot be combined with --preset, which fixes every shape");
                }
            }
            config = RandomCheckpoint.preset(args.require("preset"));
        } else {
            int heads = args.integer("heads", 4, 1, 4096);
            int hidden = args.integer("hidden", 64, 1, 1 << 16);
            if (hidden % heads != 0) {
                throw new UsageException("--hidden " + hidden + " must be a multiple of --heads " + heads);
            }
            int kvHeads = args.integer("kv-heads", Math.min(2, heads), 1, heads);
            if (heads % kvHeads != 0) {
                throw new UsageException("--heads " + heads + " must be a multiple of --kv-heads " + kvHeads);
            }
            if ((hidden / heads) % 2 != 0) {
                throw new UsageException(name() + ": head size --hidden/--heads = " + hidden / heads + " must be even for rotary embeddings");
            }
            config = ModelConfig.of(
                    args.integer("vocab", 512, 257, 1 << 22),
                    hidden,
                    args.integer("intermediate", 2 * hidden, 1, 1 << 18),
                    args.integer("layers", 2, 1, 1024),
                    heads,
                    kvHeads,
                    args.bool("tied", true));
        }
        long started = System.nanoTime();
        ModelConfig written = RandomCheckpoint.write(target, config, dtype, seed);
        err.printf(Locale.ROOT, "wrote %s: %d layers, d_model %d, %d heads / %d kv heads, d_mlp %d, vocab %d, %s, %,d parameters (%.1f s)%n",
                target, written.numLayers(), written.hiddenSize(), written.numHeads(), written.numKvHeads(),
                written.intermediateSize(), written.vocabSize(), dtype.torchName(), written.parameterCount(),
                (System.nanoTime() - started) / 1e9);
    }
}
