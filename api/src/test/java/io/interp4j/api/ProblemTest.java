package io.interp4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemTest {
    @Test
    void rendersAsTheLineTheCommandLinePrints() {
        assertThat(new Problem("study.steps[1].settings.layer", "found -1; allowed: an integer >= 0"))
                .hasToString("study.steps[1].settings.layer: found -1; allowed: an integer >= 0");
        assertThat(Problem.found("interp4j.metric.kl.temperature", "\"hot\"", "a number > 0"))
                .isEqualTo(new Problem("interp4j.metric.kl.temperature", "found \"hot\"; allowed: a number > 0"));
    }

    @Test
    void rebasesOnlyPathsAtOrBelowTheRoot() {
        String from = "interp4j.intervention.steering";
        String to = "study.steps[0].settings.intervention.settings";
        assertThat(new Problem(from, "m").rebased(from, to)).isEqualTo(new Problem(to, "m"));
        assertThat(new Problem(from + ".vector.from", "m").rebased(from, to)).isEqualTo(new Problem(to + ".vector.from", "m"));
        assertThat(new Problem(from + "[2]", "m").rebased(from, to)).isEqualTo(new Problem(to + "[2]", "m"));
        // a sibling whose name merely starts with the root's is not below it
        assertThat(new Problem(from + "-2.layer", "m").rebased(from, to)).isEqualTo(new Problem(from + "-2.layer", "m"));
        assertThat(new Problem("study.models", "m").rebased(from, to)).isEqualTo(new Problem("study.models", "m"));
    }

    @Test
    void needsAPathAndAMessage() {
        assertThatThrownBy(() -> new Problem(" ", "m")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config path");
        assertThatThrownBy(() -> new Problem("a.b", "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a.b");
    }

    @Test
    void anExceptionCarriesItsProblemsAndShowsThemOnePerLine() {
        List<Problem> problems = List.of(new Problem("a.b", "found 1; allowed: 2"), new Problem("a.c", "unknown key; allowed: [b]"));
        Interp4jException e = new Interp4jException(problems);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.problems()).isEqualTo(problems);
        assertThat(e.getMessage()).isEqualTo("a.b: found 1; allowed: 2\na.c: unknown key; allowed: [b]");
        assertThat(e.problemsAt("x")).isEqualTo(problems);
        assertThatThrownBy(() -> new Interp4jException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExceptionWithoutProblemsIsOneProblemAtTheGivenPath() {
        Interp4jException e = new Interp4jException(ErrorCode.IO_ERROR, "cannot read models/a/config.json");
        assertThat(e.problems()).isEmpty();
        assertThat(e.problemsAt("study.models.a.path")).containsExactly(new Problem("study.models.a.path", "cannot read models/a/config.json"));
    }
}
