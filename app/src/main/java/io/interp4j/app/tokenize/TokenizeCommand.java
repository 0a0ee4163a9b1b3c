package io.interp4j.app.tokenize;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.HfTokenizer;
import io.interp4j.api.tokenizer.SpecialTokens;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.UsageException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code interp4j tokenize}: the token ids of a prompt and each token's own string, without loading the
 * weights (the way to see token ids that {@code forward} gave only with every position's logits).
 */
public final class TokenizeCommand implements Command {
    private static final com.google.gson.Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String usage() {
        return "tokenize --model DIR (--prompt TEXT | --tokens 1,2,3) [--format text|json]\n"
                + "    Prints each token's position, id and string (JSON-quoted; special tokens marked). The prompt is raw:\n"
                + "    no BOS added, and special tokens written in it (e.g. <|endoftext|>) become those tokens.\n"
                + "    json: {\"tokens\": [ids], \"strings\": [...], \"special\": [positions of special tokens]}.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Args args = Args.parse(arguments, Set.of("model", "prompt", "tokens", "format"));
        Path dir = args.path("model");
        if (args.has("tokens") == args.has("prompt")) {
            throw new UsageException("give exactly one of --tokens 1,2,3 or --prompt TEXT");
        }
        String format = args.choice("format", "text", "text", "json");
        Path file = dir.resolve(Checkpoint.TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, dir + " has no " + Checkpoint.TOKENIZER_FILE + "; tokenize needs one");
        }
        ModelConfig config = ModelConfig.read(dir.resolve(Checkpoint.CONFIG_FILE));
        SpecialTokens special = SpecialTokens.read(file);
        try (HfTokenizer tokenizer = HfTokenizer.load(file)) {
            int[] ids = args.has("tokens") ? args.tokenIds("tokens") : tokenizer.encode(args.require("prompt"));
            for (int id : ids) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + id + " is out of range; allowed 0.."
                            + (config.vocabSize() - 1));
                }
            }
            if ("json".equals(format)) {
                JsonObject o = new JsonObject();
                JsonArray tokens = new JsonArray();
                JsonArray strings = new JsonArray();
                JsonArray specials = new JsonArray();
                for (int p = 0; p < ids.length; p++) {
                    tokens.add(ids[p]);
                    strings.add(tokenizer.decode(new int[] {ids[p]}));
                    if (special.contains(ids[p])) {
                        specials.add(p);
                    }
                }
                o.add("tokens", tokens);
                o.add("strings", strings);
                o.add("special", specials);
                out.println(JSON.toJson(o));
                return;
            }
            int idWidth = Math.max(2, String.valueOf(config.vocabSize() - 1).length());
            int posWidth = Math.max(3, String.valueOf(Math.max(0, ids.length - 1)).length());
            out.printf("%-" + posWidth + "s  %-" + idWidth + "s  %s%n", "pos", "id", "token");
            for (int p = 0; p < ids.length; p++) {
                out.printf("%-" + posWidth + "d  %-" + idWidth + "d  %s%s%n", p, ids[p], JSON.toJson(tokenizer.decode(new int[] {ids[p]})),
                        special.contains(ids[p]) ? "  special" : "");
            }
            err.println(ids.length + " tokens");
        }
    }
}
