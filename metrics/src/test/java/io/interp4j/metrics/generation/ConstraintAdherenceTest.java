package io.interp4j.metrics.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.TaskSuites;
import io.interp4j.testkit.plugin.MetricContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConstraintAdherenceTest extends MetricContract {
    @Override
    protected String id() {
        return "constraint-adherence";
    }

    @Override
    protected String fullMapping() {
        return "char-limit = 280";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("char-limit = 0", "char-limit", "char-limit = 12.5", "char-limit");
    }

    @Override
    protected MetricInput sampleInput() {
        return new Generations(List.of(g("Explain rain in exactly two sentences.", "Water falls. It is wet.")));
    }

    private static Generated g(String prompt, String text) {
        return new Generated(prompt, text, 5, 1_000_000L);
    }

    private ConstraintAdherence rules() {
        return (ConstraintAdherence) metric();
    }

    @Test
    void sentences() {
        assertThat(rules().check("Explain rain in exactly two sentences.", "Water falls. It is wet.")).containsExactly(true);
        assertThat(rules().check("Explain rain in 2 sentences.", "Water falls! Is it wet? Yes.")).containsExactly(false);
        // a trailing piece without a full stop is a sentence; "3.5" is not a sentence end (no whitespace after the dot)
        assertThat(rules().check("Use three sentences", "Pi is 3.14. Roughly. Or so")).containsExactly(true);
        assertThat(ConstraintAdherence.sentences("  One... Two?!  Three.  ")).isEqualTo(3);
    }

    @Test
    void linesAndBullets() {
        assertThat(rules().check("Write a poem of 4 lines about cats.", "a\nb\n\nc\r\nd\n")).containsExactly(true);
        assertThat(rules().check("Write a poem of four lines about cats.", "a\nb\nc")).containsExactly(false);
        assertThat(rules().check("Give 3 bullet points on tea.", "Tea:\n- green\n* black\n  • oolong\n")).containsExactly(true);
        // "-x" (no space) and "**bold**" are not bullets
        assertThat(rules().check("List five bullets.", "- a\n- b\n-c\n**d**\n- e")).containsExactly(false);
        assertThat(rules().check("List 3 bullets.", "- a\n- b\n-c\n**d**\n- e")).containsExactly(true);
    }

    @Test
    void jsonOnlyAndTheLiteral500CharacterRule() {
        assertThat(rules().check("Return JSON only.", "  {\"a\": 1}\n")).containsExactly(true);
        assertThat(rules().check("Return JSON only.", "Sure! {\"a\": 1}")).containsExactly(false);
        String tweet = "x".repeat(400);
        // the prompt asks for 280 characters; the published check is ≤ 500
        assertThat(rules().check("Summarise in a 280 character tweet.", tweet)).containsExactly(true);
        assertThat(rules().check("Summarise in a 280 character tweet.", "x".repeat(501))).containsExactly(false);
        assertThat(((ConstraintAdherence) metric("char-limit = 280")).check("Summarise in 280 chars.", tweet))
                .containsExactly(false);
    }

    @Test
    void unrecognisedPromptsHaveNoRule() {
        assertThat(rules().check("The capital of France is ", "Paris.")).isEmpty();
        assertThat(rules().check("Write some sentences about lines.", "ok")).isEmpty();
        assertThat(rules().check("Mention often sentences", "ok")).isEmpty();
    }

    @Test
    void severalRulesInOnePromptScoreMetOverRecognised() {
        // 2 lines: met; JSON only: not met → 1/2
        assertThat(rules().check("Answer in 2 lines, JSON only.", "{\"a\":\n1")).containsExactly(true, false);
    }

    @Test
    void averageIsOverAllPromptsWithUnrecognisedOnesCountingZero() {
        Generations five = new Generations(List.of(
                g("Explain rain in exactly two sentences.", "Water falls. It is wet."), // 1/1
                g("Answer in 2 lines, JSON only.", "{\"a\":\n1"), // 1/2
                g("Return JSON only.", "nope"), // 0/1
                g("The capital of France is ", "Paris."), // none recognised: 0
                g("18 * 7 = ", "126"))); // none recognised: 0
        MetricResult r = metric().compute(five);
        // (1 + 0.5 + 0 + 0 + 0) / 5 = 0.3; over the 3 recognised prompts: 1.5 / 3 = 0.5
        assertThat(r.value()).isCloseTo(0.3, within(1e-12));
        assertThat(r.unit()).isEqualTo("fraction");
        assertThat(r.details()).containsEntry("recognised-prompts", 3.0).containsEntry("prompts", 5.0)
                .containsEntry("recognised-constraints", 4.0).containsEntry("met-constraints", 2.0);
        assertThat(r.details().get("mean-over-recognised")).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void ceilingIsTheShareOfRecognisedPrompts() {
        // 6 of 30 prompts recognised, all met: 6/30 = 20%, as in the published vibe check
        List<Generated> items = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(i < 6 ? g("JSON only please", "{}") : g("Tell me a story.", "Once."));
        }
        assertThat(metric().compute(new Generations(items)).value()).isCloseTo(0.2, within(1e-12));
        MetricResult none = metric().compute(new Generations(items.subList(6, 30)));
        assertThat(none.value()).isZero();
        assertThat(none.details().get("mean-over-recognised")).isNaN();
    }

    @Test
    void recognisesSixOfTheThirtyQwenGenerationPromptsWhoseMetadataConstrainsSixteen() {
        // as in the published vibe check: 6 of 30 prompts recognised; the metadata (the corrected protocol) states 16
        TaskSuite suite = TaskSuites.read("generation", Path.of("..", "suites", "qwen", "generation.jsonl"));
        List<String> recognised = suite.tasks().stream().filter(t -> !rules().check(t.prompt(), "").isEmpty()).map(Task::id).toList();
        assertThat(recognised).containsExactly("generation-00", "generation-04", "generation-05", "generation-06", "generation-16",
                "generation-20");
        assertThat(suite.tasks()).hasSize(30).filteredOn(t -> t.metadata().containsKey("constraint")).hasSize(16);
        // "at most 280 characters": the published check is at most 500, the metadata's max-chars=280
        assertThat(suite.tasks().get(6).metadata()).containsEntry("constraint", "max-chars=280");
        assertThat(rules().check(suite.tasks().get(6).prompt(), "x".repeat(400))).containsExactly(true);
    }

    @Test
    void describeListsTheRules() {
        assertThat(metric().describe()).contains("sentence", "line", "bullet", "json only", "280 char", "500",
                "ALL prompts");
    }
}
