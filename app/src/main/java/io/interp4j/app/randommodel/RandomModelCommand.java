package io.interp4j.app.randommodel;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.ByteLevelBpe;
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
    @Override
    public String name() {
        return "random-model";
    }

    @Override
    public String usage() {
        return "random-model --out DIR --seed N [--preset qwen2.5-0.5b|qwen2.5-1.5b | --layers 2 --hidden 64 --heads 4 --kv-heads 2\n"
                + "             --intermediate 128 --vocab 512 --tied true] [--dtype float32|bfloat16] [--tokenizer FILE [--eos <|endoftext|>]]\n"
                + "    Writes config.json, model.safetensors and a byte-level BPE tokenizer.json with random weights; with --tokenizer,\n"
                + "    that tokenizer.json instead, and its special token --eos as the config's eos (and bos) token.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("out", "seed", "preset", "layers", "hidden", "heads", "kv-heads",
                "intermediate", "vocab", "dtype", "tied", "tokenizer", "eos"));
        Path target = args.path("out");
        RandomModelRecipe recipe = RandomModelRecipe.read(args::get, "--");
        DType dtype = recipe.dtype();
        long seed = recipe.seed();
        ModelConfig config = recipe.config();
        long started = System.nanoTime();
        if (args.has("eos") && !args.has("tokenizer")) {
            throw new UsageException("--eos names a special token of --tokenizer FILE; give --tokenizer too");
        }
        ModelConfig written = args.has("tokenizer")
                ? RandomCheckpoint.write(target, config, dtype, seed, args.path("tokenizer"), args.get("eos").orElse(ByteLevelBpe.END_OF_TEXT))
                : RandomCheckpoint.write(target, config, dtype, seed);
        err.printf(Locale.ROOT, "wrote %s: %d layers, d_model %d, %d heads / %d kv heads, d_mlp %d, vocab %d, eos %d, %s, %,d parameters (%.1f s)%n",
                target, written.numLayers(), written.hiddenSize(), written.numHeads(), written.numKvHeads(),
                written.intermediateSize(), written.vocabSize(), written.eosTokenId().getAsInt(), dtype.torchName(), written.parameterCount(),
                (System.nanoTime() - started) / 1e9);
    }
}
