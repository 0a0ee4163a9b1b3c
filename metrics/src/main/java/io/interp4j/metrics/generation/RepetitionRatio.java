package io.interp4j.metrics.generation;

import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricResult;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Repetition ratio of the vibe check (STUDY.md row 14). */
final class RepetitionRatio extends GenerationMetric {
    /** Texts of at most this many words score 0: part of the published formula, not a setting. */
    static final int SHORT_TEXT_WORDS = 10;

    private final double threshold;

    RepetitionRatio(double threshold) {
        super(RepetitionRatioFactory.ID);
        this.threshold = threshold;
    }

    @Override
    MetricResult computeItems(List<Generated> items) {
        double sum = 0;
        int repetitive = 0;
        for (Generated g : items) {
            double ratio = ratio(g.text());
            sum += ratio;
            repetitive += ratio > threshold ? 1 : 0;
        }
        int n = items.size();
        return new MetricResult(sum / n, "ratio", Map.of("repetitive-rate", (double) repetitive / n, "repetitive-count",
                (double) repetitive, "texts", (double) n));
    }

    static double ratio(String text) {
        List<String> words = Words.split(text.toLowerCase(Locale.ROOT));
        if (words.size() <= SHORT_TEXT_WORDS) {
            return 0;
        }
        Set<List<String>> unique = new HashSet<>();
        for (int i = 0; i + 1 < words.size(); i++) {
            unique.add(List.of(words.get(i), words.get(i + 1)));
        }
        return 1 - (double) unique.size() / (words.size() - 1);
    }

    @Override
    public String describe() {
        return "repetition ratio, the mean over generated texts (prompt excluded) of 1 − unique/total word bigrams, a ratio"
                + " in [0, 1); words are the text lower-cased (Locale.ROOT) and split on runs of whitespace as Python's"
                + " str.split() does, bigrams are the n − 1 pairs of consecutive words; a text of " + SHORT_TEXT_WORDS
                + " words or fewer scores 0; details: repetitive-count and repetitive-rate = texts with ratio > " + threshold;
    }
}
