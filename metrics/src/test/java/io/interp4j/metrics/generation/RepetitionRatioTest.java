package io.interp4j.metrics.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepetitionRatioTest extends MetricContract {
    /** 12 words, 11 bigrams, 6 distinct (the cat, cat sat, sat on, on the, the mat, mat the): 1 − 6/11 = 5/11. */
    private static final String LOOP = "The cat sat on the mat.\nthe cat sat on the mat.";
    /** 11 distinct words: 10 distinct bigrams, ratio 0. */
    private static final String FRESH = "one two three four five six seven eight nine ten eleven";
    /** 10 words, all the same: short texts score 0 whatever they repeat. */
    private static final String SHORT = "go go go go go go go go go go";

    @Override
    protected String id() {
        return "repetition-ratio";
    }

    @Override
    protected String fullMapping() {
        return "threshold = 0.5";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("threshold = 1.5", "threshold", "threshold = -0.1", "threshold", "threshold = high", "threshold");
    }

    @Override
    protected MetricInput sampleInput() {
        return generations(LOOP, FRESH);
    }

    private static Generations generations(String... texts) {
        return new Generations(List.of(texts).stream().map(t -> new Generated("prompt", t, 10, 1_000_000L)).toList());
    }

    @Test
    void ratioOfHandWrittenTexts() {
        // "mat." and "mat" differ: the words are whitespace-separated tokens with punctuation kept
        assertThat(RepetitionRatio.ratio("the cat sat on the mat the cat sat on the mat")).isCloseTo(5.0 / 11, within(1e-12));
        assertThat(RepetitionRatio.ratio(FRESH)).isZero();
        assertThat(RepetitionRatio.ratio(SHORT)).isZero();
        // eleven identical words: 10 bigrams, 1 distinct → 0.9
        assertThat(RepetitionRatio.ratio(SHORT + " go")).isCloseTo(0.9, within(1e-12));
        // lower-cased before comparing; tabs, newlines and no-break spaces separate words like spaces
        assertThat(RepetitionRatio.ratio("GO go\tGo\ngO go\u00a0go go go go go go")).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void meanOverTextsWithRepetitiveRate() {
        // LOOP: words the cat sat on the mat. the cat sat on the mat. → 12 words; bigrams: the cat, cat sat, sat on,
        // on the, the mat., mat. the, the cat, cat sat, sat on, on the, the mat. → 6 distinct of 11 → 5/11 = 0.4545
        MetricResult r = metric().compute(generations(LOOP, FRESH, SHORT));
        assertThat(r.value()).isCloseTo(5.0 / 11 / 3, within(1e-12));
        assertThat(r.unit()).isEqualTo("ratio");
        assertThat(r.details()).containsEntry("repetitive-count", 1.0);
        assertThat(r.details().get("repetitive-rate")).isCloseTo(1.0 / 3, within(1e-12));
        // 5/11 is not above 0.5
        assertThat(metric("threshold = 0.5").compute(generations(LOOP, FRESH, SHORT)).details())
                .containsEntry("repetitive-count", 0.0);
    }

    @Test
    void noGenerationsIsAnError() {
        assertThatThrownBy(() -> metric().compute(new Generations(List.of())))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("repetition-ratio");
    }

    @Test
    void describeStatesTheTokenisation() {
        assertThat(metric().describe()).contains("lower-cased", "str.split()", "10 words or fewer", "> 0.3");
    }
}
