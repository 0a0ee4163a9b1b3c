package io.interp4j.api.metric;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * Turns a target given as text into one token id by a stated spelling rule. Rules: {@code exact}
 * encodes the text as written; {@code leading-space} encodes {@code " " + text} unless it already
 * starts with a space (Hugging Face BPE vocabularies spell a word after a space as its own token, e.g.
 * {@code " Rome"}); {@code first-token} takes the first token of the exact encoding, as the published
 * study did for multi-token answers. With {@code exact} and {@code leading-space} the text must be
 * one token, else the error says which tokens it became.
 *
 * @since 0.1
 */
@Stable
public final class TargetToken {
    /** The spelling rules. */
    public enum Rule {
        /** The text as written. */
        EXACT,
        /** The text with one leading space. */
        LEADING_SPACE,
        /** The first token of the text as written. */
        FIRST_TOKEN;

        /**
         * Parses a rule name.
         *
         * @param name {@code exact}, {@code leading-space} or {@code first-token}
         * @return the rule
         */
        public static Rule parse(String name) {
            return switch (name) {
                case "exact" -> EXACT;
                case "leading-space" -> LEADING_SPACE;
                case "first-token" -> FIRST_TOKEN;
                default -> throw new Interp4jException(ErrorCode.INVALID_ARGUMENT,
                        "unknown target spelling rule '" + name + "'; allowed: exact, leading-space, first-token");
            };
        }
    }

    private TargetToken() {}

    /**
     * Resolves a target.
     *
     * @param target a token id (digits) prefixed with {@code #} (e.g. {@code #1234}), or text
     * @param rule the spelling rule for text
     * @param tokenizer the model's tokenizer
     * @return the token id
     */
    public static int resolve(String target, Rule rule, Tokenizer tokenizer) {
        requireNonNull(target, "target is null");
        if (target.matches("#[0-9]+")) {
            try {
                return Integer.parseInt(target.substring(1));
            } catch (NumberFormatException e) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "target '" + target + "' names token id " + target.substring(1)
                        + ", beyond any vocabulary; allowed: #0 .. #" + Integer.MAX_VALUE + ", or text");
            }
        }
        String spelled = rule == Rule.LEADING_SPACE && !target.startsWith(" ") ? " " + target : target;
        int[] ids = requireNonNull(tokenizer, "tokenizer is null").encode(spelled);
        if (ids.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "target '" + target + "' encodes to no token");
        }
        if (ids.length > 1 && rule != Rule.FIRST_TOKEN) {
            StringBuilder pieces = new StringBuilder();
            for (int id : ids) {
                pieces.append(pieces.length() == 0 ? "" : ", ").append('"').append(tokenizer.decode(new int[] {id})).append('"');
            }
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "target '" + spelled + "' is not a single token: it became "
                    + ids.length + " tokens " + Arrays.toString(ids) + " = [" + pieces + "]; use a single-token target or the"
                    + " first-token rule");
        }
        return ids[0];
    }
}
