package io.interp4j.experiments.atlas.vibe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A format constraint of a generation prompt, as a task's metadata {@code constraint} states it, and the
 * check of a generation against it: the corrected protocol's reading. The published protocol does not read
 * the metadata: it recognises constraints in the prompt text by the seed's keyword rules (the
 * {@code constraint-adherence} metric), which miss constraints worded otherwise.
 *
 * @param kind {@code sentences}, {@code lines}, {@code bullets}, {@code json-only} or {@code max-chars}
 * @param count N for the counted kinds and max-chars, 0 for json-only
 */
record Constraint(String kind, int count) {
    /** The metadata key holding a task's constraints. */
    static final String METADATA_KEY = "constraint";
    /** What {@link #parseAll} accepts, for messages. */
    static final String ALLOWED = "sentences=N, lines=N, bullets=N, json-only, max-chars=N (N >= 1), several separated by ';'";

    private static final Pattern COUNTED = Pattern.compile("(sentences|lines|bullets|max-chars)\\s*=\\s*([1-9][0-9]{0,8})");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");
    private static final Pattern BULLET = Pattern.compile("^([-*•]|[0-9]+[.)])\\s+.*");

    /**
     * Parses a metadata value: one constraint or several separated by {@code ;}.
     *
     * @param text the value
     * @return the constraints, or null when a part is none of the allowed forms
     */
    static List<Constraint> parseAll(String text) {
        List<Constraint> out = new ArrayList<>();
        for (String part : text.split(";", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.equals("json-only")) {
                out.add(new Constraint("json-only", 0));
                continue;
            }
            Matcher m = COUNTED.matcher(p);
            if (!m.matches()) {
                return null;
            }
            out.add(new Constraint(m.group(1), Integer.parseInt(m.group(2))));
        }
        return out;
    }

    /**
     * Checks a generation: exactly N sentences (pieces of the trimmed text split after . ! or ? and
     * whitespace), exactly N non-blank lines, exactly N bullet lines (starting with -, *, • or a number
     * followed by . or )), json-only = the trimmed text starts with { and ends with }, max-chars = at
     * most N characters (code points) as generated.
     *
     * @param text the generated text
     * @return whether it is met
     */
    boolean met(String text) {
        String trimmed = text.strip();
        return switch (kind) {
            case "sentences" -> count(trimmed.isEmpty() ? new String[0] : SENTENCE_END.split(trimmed)) == count;
            case "lines" -> count(trimmed.split("\\R")) == count;
            case "bullets" -> (int) trimmed.lines().map(String::strip).filter(l -> BULLET.matcher(l).matches()).count() == count;
            case "json-only" -> trimmed.startsWith("{") && trimmed.endsWith("}");
            case "max-chars" -> text.codePointCount(0, text.length()) <= count;
            default -> throw new IllegalStateException("unknown constraint kind " + kind);
        };
    }

    private static int count(String[] pieces) {
        int n = 0;
        for (String piece : pieces) {
            if (!piece.isBlank()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Returns the seed's repetition ratio: 1 − unique / total lower-cased word bigrams (words split on
     * whitespace), 0 when the text has at most 10 words.
     *
     * @param text the generated text
     * @return the ratio in [0, 1)
     */
    static double repetition(String text) {
        String[] words = text.toLowerCase(Locale.ROOT).strip().split("\\s+");
        if (text.isBlank() || words.length <= 10) {
            return 0;
        }
        Set<String> unique = new HashSet<>();
        for (int i = 0; i + 1 < words.length; i++) {
            unique.add(words[i] + " " + words[i + 1]);
        }
        return 1 - unique.size() / (double) (words.length - 1);
    }

    /**
     * Returns the number of words (whitespace-separated).
     *
     * @param text the text
     * @return the count
     */
    static int words(String text) {
        return text.isBlank() ? 0 : text.strip().split("\\s+").length;
    }

    @Override
    public String toString() {
        return kind.equals("json-only") ? kind : kind + "=" + count;
    }
}
