package io.interp4j.app.cli;

import io.interp4j.api.model.Model;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --tokens} / {@code --prompt} pair of commands that run a model on a prompt (a picocli mixin). */
public final class TokenInput {
    @Option(names = "--tokens", split = ",", paramLabel = "ID", description = "Token ids, comma-separated (give this or --prompt).")
    int[] tokens;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Raw text: no BOS, no chat template (give this or --tokens).")
    String prompt;

    /** Checks that exactly one of {@code --tokens} and {@code --prompt} is given, before anything loads. */
    public void check() {
        if ((tokens == null) == (prompt == null)) {
            throw new UsageException("give exactly one of --tokens 1,2,3 or --prompt TEXT");
        }
    }

    /**
     * Returns the ids of {@code --tokens}.
     *
     * @return the ids, or empty when a prompt was given
     */
    public Optional<int[]> ids() {
        return Optional.ofNullable(tokens).map(int[]::clone);
    }

    /**
     * Returns the prompt.
     *
     * @return {@code --prompt}'s text, or empty when token ids were given
     */
    public Optional<String> prompt() {
        return Optional.ofNullable(prompt);
    }

    /**
     * Returns the token ids to run: {@code --tokens} as given, or {@code --prompt} encoded raw (no special
     * tokens added).
     *
     * @param model the model, whose tokenizer encodes a prompt
     * @return the ids
     */
    public int[] ids(Model model) {
        check();
        if (tokens != null) {
            return tokens.clone();
        }
        int[] ids = model.requireTokenizer().encode(prompt);
        if (ids.length == 0) {
            throw new UsageException("--prompt encodes to no tokens; give a non-empty prompt");
        }
        return ids;
    }
}
