package io.interp4j.experiments.atlas.vibe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's keyword rules and repetition ratio on hand-computable texts. */
class ConstraintTest {
    private static boolean met(String constraint, String text) {
        List<Constraint> parsed = Constraint.parseAll(constraint);
        assertThat(parsed).hasSize(1);
        return parsed.get(0).met(text);
    }

    @Test
    void parsesOneOrSeveralConstraints() {
        assertThat(Constraint.parseAll("sentences=3; max-chars=500"))
                .containsExactly(new Constraint("sentences", 3), new Constraint("max-chars", 500));
        assertThat(Constraint.parseAll(" JSON-only ")).containsExactly(new Constraint("json-only", 0));
        assertThat(Constraint.parseAll("bullets = 2")).containsExactly(new Constraint("bullets", 2));
        assertThat(Constraint.parseAll("words=3")).isNull();
        assertThat(Constraint.parseAll("lines=0")).isNull();
        assertThat(Constraint.parseAll("lines=2;")).isNull();
    }

    @Test
    void countsSentencesLinesAndBullets() {
        assertThat(met("sentences=3", "One. Two! Three?")).isTrue();
        assertThat(met("sentences=2", "Hi there. ok")).isTrue();
        assertThat(met("sentences=1", "e.g. this")).isFalse();
        assertThat(met("sentences=1", "   ")).isFalse();
        assertThat(met("lines=2", "a\n\n  b \n")).isTrue();
        assertThat(met("lines=1", "a\nb")).isFalse();
        assertThat(met("bullets=4", "- a\n* b\n  1. c\n2) d\nplain\n-no space")).isTrue();
        assertThat(met("bullets=3", "- a\n- b")).isFalse();
    }

    @Test
    void checksJsonOnlyAndLength() {
        assertThat(met("json-only", " {\"a\": 1}\n")).isTrue();
        assertThat(met("json-only", "{\"a\": 1} done")).isFalse();
        assertThat(met("json-only", "[1]")).isFalse();
        assertThat(met("max-chars=3", "abc")).isTrue();
        assertThat(met("max-chars=3", "abcd")).isFalse();
        assertThat(met("max-chars=3", "ééé")).isTrue();
        assertThat(met("max-chars=3", "😀😀😀")).as("code points, not UTF-16 units").isTrue();
    }

    @Test
    void repetitionIsOneMinusUniqueOverTotalBigrams() {
        // 12 words, 11 bigrams, 2 distinct ("a b", "b a")
        assertThat(Constraint.repetition("A b a B a b a b a b a b")).isCloseTo(1 - 2.0 / 11, within(1e-12));
        // 10 words or fewer: 0
        assertThat(Constraint.repetition("a a a a a a a a a a")).isZero();
        // 11 words, 10 bigrams, all distinct
        assertThat(Constraint.repetition("one two three four five six seven eight nine ten eleven")).isZero();
        assertThat(Constraint.repetition("")).isZero();
        assertThat(Constraint.words("  two\nwords ")).isEqualTo(2);
    }
}
