package io.interp4j.metrics.generation;

import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Constraint adherence of the vibe check (STUDY.md row 14): the prompt is scanned for keyword rules,
 * each recognised rule is checked on the generated text, a prompt scores met / recognised, and the
 * value averages over all prompts, those with no recognised rule counting 0 (as published: 6 of 30
 * prompts had one, so the ceiling was 20%).
 */
final class ConstraintAdherence extends GenerationMetric {
    private static final String NUMBER = "(\\d{1,9}|one|two|three|four|five|six|seven|eight|nine|ten)";
    private static final List<String> NUMBER_WORDS = List.of("one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten");
    private static final Pattern SENTENCES = Pattern.compile("\\b" + NUMBER + "\\s+sentences?\\b");
    private static final Pattern LINES = Pattern.compile("\\b" + NUMBER + "\\s+lines?\\b");
    private static final Pattern BULLETS = Pattern.compile("\\b" + NUMBER + "\\s+bullet(?:s|\\s+points?)?\\b");
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?]+(?=\\s|$)");
    private static final Pattern BULLET_LINE = Pattern.compile("^\\s*[-*•][ \\t].*");

    private final int charLimit;

    ConstraintAdherence(int charLimit) {
        super(ConstraintAdherenceFactory.ID);
        this.charLimit = charLimit;
    }

    @Override
    MetricResult computeItems(List<Generated> items) {
        double sum = 0;
        int recognisedPrompts = 0;
        int recognisedRules = 0;
        int metRules = 0;
        for (Generated g : items) {
            List<Boolean> checks = check(g.prompt(), g.text());
            int met = (int) checks.stream().filter(b -> b).count();
            if (!checks.isEmpty()) {
                recognisedPrompts++;
                sum += (double) met / checks.size();
            }
            recognisedRules += checks.size();
            metRules += met;
        }
        Map<String, Double> details = new HashMap<>();
        details.put("prompts", (double) items.size());
        details.put("recognised-prompts", (double) recognisedPrompts);
        details.put("mean-over-recognised", recognisedPrompts == 0 ? Double.NaN : sum / recognisedPrompts);
        details.put("recognised-constraints", (double) recognisedRules);
        details.put("met-constraints", (double) metRules);
        return new MetricResult(sum / items.size(), "fraction", details);
    }

    /** One entry per rule recognised in the prompt: whether the text meets it. */
    List<Boolean> check(String prompt, String text) {
        String p = prompt.toLowerCase(Locale.ROOT);
        List<Boolean> checks = new ArrayList<>();
        count(SENTENCES, p).ifPresent(n -> checks.add(sentences(text) == n));
        count(LINES, p).ifPresent(n -> checks.add(lines(text).size() == n));
        count(BULLETS, p).ifPresent(n -> checks.add(lines(text).stream().filter(l -> BULLET_LINE.matcher(l).matches()).count() == n));
        if (p.contains("json only")) {
            String t = Words.strip(text);
            checks.add(t.startsWith("{") && t.endsWith("}"));
        }
        if (p.contains("280 char")) {
            checks.add(text.codePointCount(0, text.length()) <= charLimit);
        }
        return checks;
    }

    /** The number of the first match of a rule in the lower-cased prompt. */
    private static OptionalInt count(Pattern rule, String prompt) {
        Matcher m = rule.matcher(prompt);
        if (!m.find()) {
            return OptionalInt.empty();
        }
        int word = NUMBER_WORDS.indexOf(m.group(1));
        return OptionalInt.of(word >= 0 ? word + 1 : Integer.parseInt(m.group(1)));
    }

    static int sentences(String text) {
        int n = 0;
        for (String piece : SENTENCE_END.split(Words.strip(text))) {
            n += Words.strip(piece).isEmpty() ? 0 : 1;
        }
        return n;
    }

    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            if (!Words.strip(line).isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Override
    public String describe() {
        return "constraint adherence, a fraction in [0, 1]: each prompt (lower-cased) is scanned for keyword rules and"
                + " scores met / recognised (0 when none is recognised), averaged over ALL prompts. Rules, a number N being"
                + " digits or one..ten, an optional 'exactly' before it ignored, the first match of each rule used: 'N"
                + " sentence(s)' = the text, split after each run of . ! ? followed by whitespace or the end, has N non-blank"
                + " pieces; 'N line(s)' = N non-blank lines; 'N bullet(s)' or 'N bullet point(s)' = N lines whose first"
                + " non-whitespace character is - * or • followed by a space or tab; 'json only' = the whitespace-stripped"
                + " text starts with { and ends with }; '280 char' = the text (not stripped) is at most " + charLimit
                + " code points long" + (charLimit == 500 ? " (the study's literal check, although the prompt asks for 280)" : "")
                + "; details: recognised-prompts, mean-over-recognised (NaN when none)";
    }
}
