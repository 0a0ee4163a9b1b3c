package io.interp4j.app.cli;

import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.quant.Quantization;
import java.nio.file.Path;

/** Resolves the {@code --tokens} / {@code --prompt} pair shared by commands that run a model. */
public final class Inputs {
    private Inputs() {}

    /**
     * Checks that exactly one of {@code --tokens} and {@code --prompt} is given, before anything loads.
     *
     * @param args the options
     */
    public static void checkTokensOrPrompt(Args args) {
        if (args.has("tokens") == args.has("prompt")) {
            throw new UsageException("give exactly one of --tokens 1,2,3 or --prompt TEXT");
        }
        if (args.has("tokens")) {
            args.tokenIds("tokens");
        }
    }

    /**
     * Returns the token ids to run: {@code --tokens} as given, or {@code --prompt} encoded raw (no
     * special tokens).
     *
     * @param args the options
     * @param model the model, whose tokenizer encodes a prompt
     * @return the ids
     */
    public static int[] tokens(Args args, Model model) {
        if (args.has("tokens")) {
            return args.tokenIds("tokens");
        }
        int[] ids = model.requireTokenizer().encode(args.require("prompt"));
        if (ids.length == 0) {
            throw new UsageException("--prompt encodes to no tokens; give a non-empty prompt");
        }
        return ids;
    }

    /**
     * Returns the load options given by {@code --adapter} and {@code --quantization}.
     *
     * @param args the options
     * @return the load options
     */
    public static LoadOptions loadOptions(Args args) {
        LoadOptions options = args.get("adapter").map(a -> LoadOptions.withAdapter(Path.of(a))).orElse(LoadOptions.defaults());
        return options.withQuantization(Quantization.parse(args.get("quantization").orElse("none"), "--quantization"));
    }
}
