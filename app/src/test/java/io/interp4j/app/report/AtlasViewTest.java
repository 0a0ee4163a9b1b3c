package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Headline;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AtlasViewTest {
    private static final List<String> COLUMNS = Headline.COLUMNS;
    private static final List<String> FLAG_COLUMNS = Headline.FLAG_COLUMNS;

    private static final Headline TESTS_ONLY = new Headline(null, Headline.FLAGS, null, Headline.TESTS);

    private static List<Object> row(Object... cells) {
        return Arrays.asList(cells);
    }

    private static StudyResults results() {
        StepResult hub = new StepResult(List.of(
                new StepResult.Table("atlas", COLUMNS, List.of(
                        row("Universal hub layer", "hub.kl", "published", "a", 19.11, "L2, 19.11", null, null),
                        row("Universal hub layer", "hub.kl", "published", "b", 13.70, "L26, 13.70", null, null),
                        row("Universal hub layer", "hub.kl", "corrected", "a", 2.5, "L3, 2.50", 2.0, 3.0),
                        row("Universal hub layer", "hub.kl", "corrected", "b", 3.0, "L14, 3.00", 2.5, 3.5))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of(
                        row("Universal hub layer", "both", "a", "disagreement", "published L2, corrected L3"))),
                new StepResult.Table("atlas-deltas", List.of("dimension", "key", "protocol", "model_a", "model_b", "delta", "ci_low",
                        "ci_high", "pairing"), List.of(row("Universal hub layer", "hub.kl", "corrected", "a", "b", 0.5, -0.25, 1.25, "paired"))),
                new StepResult.Table("other", List.of("x"), List.of(row(1)))), List.of(), Map.of()).withHeadline(Headline.standard());
        StepResult arch = new StepResult(List.of(new StepResult.Table("atlas", COLUMNS, List.of(
                row("Architecture", "arch.layers", "both", "b", 28, "28", null, null),
                row("Architecture", "arch.layers", "both", "a", 24, "24", null, null),
                row("Architecture", "arch.tied", "both", "a", "tied", "tied", null, null))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of())), List.of(), Map.of()).withHeadline(Headline.standard());
        List<ModelInfo> models = List.of(new ModelInfo("a", "/a", "djl", "x", Map.of()), new ModelInfo("b", "/b", "djl", "y", Map.of()));
        return new StudyResults("atlas", "", Map.of(), SampleResults.THREADS, 1, models, List.of(
                new StepRecord("architecture", "architecture", "d", "{}", "f", 1, 0, false, arch),
                new StepRecord("hub", "universal-hub", "d", "{}", "f", 1, 1, false, hub)), "now", 1);
    }

    @Test
    void pivotsEveryProtocolWithModelsInStudyOrderAndTheDifference() {
        AtlasView view = AtlasView.of(results());
        assertThat(view.models()).containsExactly("a", "b");
        assertThat(view.protocols()).containsExactly("published", "corrected");
        // rows of protocol "both" appear in each protocol's table, in first-seen order
        assertThat(view.rows().get("published")).extracting(AtlasView.Row::key).containsExactly("arch.layers", "arch.tied", "hub.kl");
        assertThat(view.rows().get("corrected")).extracting(AtlasView.Row::key).containsExactly("arch.layers", "arch.tied", "hub.kl");
        AtlasView.Row layers = view.rows().get("published").get(0);
        assertThat(layers.delta()).isEqualTo("4");
        AtlasView.Row kl = view.rows().get("published").get(2);
        assertThat(Double.parseDouble(kl.delta())).isCloseTo(13.70 - 19.11, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(view.rows().get("published").get(1).delta()).isEmpty();
        assertThat(view.rows().get("corrected").get(2).byModel().get("a").shown()).isEqualTo("L3, 2.50 [2, 3]");
        // the resampled difference, with how the models were paired; the published Δ had no interval
        assertThat(view.rows().get("corrected").get(2).delta()).isEqualTo("0.5 [-0.25, 1.25] paired");
        assertThat(view.flags()).singleElement().satisfies(f -> {
            assertThat(f.step()).isEqualTo("hub");
            assertThat(f.kind()).isEqualTo("disagreement");
        });
    }

    @Test
    void bothReportsOpenWithTheAtlasTableAndItsFlags() {
        String md = MarkdownReport.render(results());
        assertThat(md).contains("## Atlas").contains("### Protocol: published").contains("### Protocol: corrected")
                .contains("| Dimension | Measure | a | b | Δ |")
                .contains("| Universal hub layer | `hub.kl` | L2, 19.11 | L26, 13.70 |")
                .contains("| disagreement | Universal hub layer | both | a | published L2, corrected L3 |");
        assertThat(md.indexOf("## Atlas")).isLessThan(md.indexOf("## 1."));
        String html = HtmlReport.render(results());
        assertThat(html).contains("<section id=\"atlas\">").contains("<td class=\"val\">L26, 13.70</td>").contains("published L2, corrected L3");
    }

    /**
     * Three tests with p = 0.01, 0.03 and 0.2 across two steps: Holm over the family of 3 gives 0.03, 0.06 and
     * 0.2, so only the first is flagged, though 0.03 alone is below 0.05.
     */
    @Test
    void theStudysTestsAreHolmAdjustedTogetherAndOnlyRejectionsAreFlagged() {
        List<String> testColumns = List.of("dimension", "key", "model", "published", "corrected", "ci_low", "ci_high", "p_value", "message");
        StepResult mlp = new StepResult(List.of(new StepResult.Table("atlas-tests", testColumns, List.of(
                row("MLP dominance", "mlp.share", "a", 0.4, 1.0, 0.9, 1.1, 0.01, "ratio differs at a"),
                row("MLP dominance", "mlp.share", "b", 0.9, 1.0, 0.9, 1.1, 0.2, "ratio differs at b"))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of())), List.of(), Map.of()).withHeadline(TESTS_ONLY);
        StepResult knockout = new StepResult(List.of(new StepResult.Table("atlas-tests", testColumns, List.of(
                row("Skill knockout", "ko.selectivity", "a", 3.0, 1.0, 0.5, 2.9, 0.03, "selectivity differs"))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of())), List.of(), Map.of()).withHeadline(TESTS_ONLY);
        StudyResults results = new StudyResults("atlas", "", Map.of(), SampleResults.THREADS, 1, List.of(), List.of(
                new StepRecord("mlp", "mlp-dominance", "d", "{}", "f", 1, 0, false, mlp),
                new StepRecord("ko", "skill-knockout", "d", "{}", "f", 1, 1, false, knockout)), "now", 1);
        AtlasView view = AtlasView.of(results);
        assertThat(view.flags()).singleElement().satisfies(f -> {
            assertThat(f.step()).isEqualTo("mlp");
            assertThat(f.model()).isEqualTo("a");
            assertThat(f.kind()).isEqualTo("disagreement");
            assertThat(f.message()).isEqualTo("ratio differs at a; bootstrap p = 0.01, Holm-adjusted p = 0.03 over 3 tests");
        });
        assertThat(view.testing()).contains("the 3 published-versus-corrected tests").contains("Holm").contains("0.05").contains("1 rejected");
        assertThat(MarkdownReport.render(results)).contains("Multiple-comparison control").contains("Holm-adjusted p = 0.03");
        assertThat(HtmlReport.render(results)).contains("Multiple-comparison control");
    }

    /**
     * Both hypotheses in one Holm family of 4: published-versus-corrected p = 0.01 and 0.3, vector-versus-control
     * p = 0.001 and 0.04. Sorted, 0.001 · 4 = 0.004, 0.01 · 3 = 0.03, 0.04 · 2 = 0.08, 0.3 · 1 = 0.3: the first
     * published test rejects (a disagreement), the first control test rejects (the vector beats its control: no
     * flag) and the second does not (flagged not-above-control, though 0.04 alone is below 0.05).
     */
    @Test
    void controlTestsShareTheFamilyAndAreFlaggedWhereTheyDoNotReject() {
        List<String> testColumns = Headline.TEST_COLUMNS;
        StepResult mlp = new StepResult(List.of(new StepResult.Table("atlas-tests", testColumns, List.of(
                row("MLP dominance", "mlp.share", "a", 0.4, 1.0, 0.9, 1.1, 0.01, "ratio differs at a", Headline.PUBLISHED_EQUALS_CORRECTED),
                row("MLP dominance", "mlp.share", "b", 0.9, 1.0, 0.9, 1.1, 0.3, "ratio differs at b", Headline.PUBLISHED_EQUALS_CORRECTED))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of())), List.of(), Map.of()).withHeadline(TESTS_ONLY);
        StepResult knockout = new StepResult(List.of(new StepResult.Table("atlas-tests", testColumns, List.of(
                row("Skill knockout", "ko.selectivity", "a", null, 2.0, 1.0, 3.0, 0.001, "vector beats controls at a",
                        Headline.VECTOR_NOT_ABOVE_CONTROL),
                row("Skill knockout", "ko.selectivity", "b", null, 0.5, -0.1, 1.2, 0.04, "vector − control at b",
                        Headline.VECTOR_NOT_ABOVE_CONTROL))),
                new StepResult.Table("atlas-flags", FLAG_COLUMNS, List.of())), List.of(), Map.of()).withHeadline(TESTS_ONLY);
        StudyResults results = new StudyResults("atlas", "", Map.of(), SampleResults.THREADS, 1, List.of(), List.of(
                new StepRecord("mlp", "mlp-dominance", "d", "{}", "f", 1, 0, false, mlp),
                new StepRecord("ko", "skill-knockout", "d", "{}", "f", 1, 1, false, knockout)), "now", 1);
        AtlasView view = AtlasView.of(results);
        assertThat(view.flags()).hasSize(2);
        assertThat(view.flags().get(0)).satisfies(f -> {
            assertThat(f.model()).isEqualTo("a");
            assertThat(f.kind()).isEqualTo("disagreement");
            assertThat(f.message()).isEqualTo("ratio differs at a; bootstrap p = 0.01, Holm-adjusted p = 0.03 over 4 tests");
        });
        assertThat(view.flags().get(1)).satisfies(f -> {
            assertThat(f.step()).isEqualTo("ko");
            assertThat(f.model()).isEqualTo("b");
            assertThat(f.protocol()).isEqualTo("corrected");
            assertThat(f.kind()).isEqualTo("not-above-control");
            assertThat(f.message()).isEqualTo("vector − control at b; not shown to beat the control: one-sided bootstrap p = 0.04,"
                    + " Holm-adjusted p = 0.08 over 4 tests");
        });
        assertThat(view.testing()).contains("the 4 tests of this study are one family: 2 published-versus-corrected")
                .contains("2 vector-versus-control").contains("1 published-versus-corrected rejected")
                .contains("1 of 2 vector-versus-control rejected");
    }

    @Test
    void aStudyWithoutAtlasRowsHasNoAtlasSection() {
        StudyResults plain = new StudyResults("x", "", Map.of(), SampleResults.THREADS, 1, List.of(), List.of(new StepRecord("s", "e", "d", "{}", "f", 1, 1, false,
                new StepResult(List.of(new StepResult.Table("t", List.of("x"), List.of(row(1)))), List.of(), Map.of()))), "now", 1);
        assertThat(AtlasView.of(plain).isEmpty()).isTrue();
        assertThat(MarkdownReport.render(plain)).doesNotContain("## Atlas");
        assertThat(HtmlReport.render(plain)).doesNotContain("id=\"atlas\"");
    }
}
