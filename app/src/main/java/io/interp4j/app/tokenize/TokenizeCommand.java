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
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TokenInput;
import io.interp4j.app.cli.UsageException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code interp4j tokenize}: the token ids of a prompt and each token's own string, without loading the
 * weights (the way to see token ids that {@code forward} gave only with every position's logits).
 */
@Command(name = "tokenize", sortOptions = false, description = {
    "Prints each token's position, id and string (JSON-quoted; special tokens marked), without loading the weights.",
    "The prompt is raw: no BOS added, and special tokens written in it (e.g. <|endoftext|>) become those tokens.",
    "json: {\"tokens\": [ids], \"strings\": [...], \"special\": [positions of special tokens]}."})
public final class TokenizeCommand implements Runnable {
    private static final com.google.gson.Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model directory with tokenizer.json and config.json.")
    private Path dir;

    @Mixin
    private TokenInput input;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format (default: ${DEFAULT-VALUE}).")
    private String format;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public TokenizeCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        input.check();
        if (!format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format must be one of text, json, found '" + format + "'");
        }
        Path file = dir.resolve(Checkpoint.TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, dir + " has no " + Checkpoint.TOKENIZER_FILE + "; tokenize needs one");
        }
        ModelConfig config = ModelConfig.read(dir.resolve(Checkpoint.CONFIG_FILE));
        SpecialTokens special = SpecialTokens.read(file);
        try (HfTokenizer tokenizer = HfTokenizer.load(file)) {
            int[] ids = input.ids().orElseGet(() -> tokenizer.encode(input.prompt().orElseThrow()));
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
            context.err().println(ids.length + " tokens");
        }
    }
}
