package io.interp4j.app.report;

import static io.interp4j.app.report.SampleResults.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarkdownReportTest {
    static final String MD = MarkdownReport.render(SampleResults.study());

    @Test
    void hasTitleRunInfoAndModels() {
        assertThat(MD).startsWith("# Study: induction heads in \\<Qwen2\\>\n");
        assertThat(MD).contains("- **Started:** 2025-06-01T10:15:30Z").contains("- **Wall time:** 1 min 34 s this run; 1 step reused from earlier runs, which took 1 min 15 s\n")
                .contains("- **Seed:** 42").contains("(1 resumed from stored results)")
                .contains("- **Versions:** djl 0.36.0, interp4j 0.1.0-SNAPSHOT, java 17.0.12, pytorch 2.7.1");
        assertThat(MD).contains("| qwen-tiny | `/models/qwen2-0.5b` | djl | 24 layers")
                .contains("config.json `3f2a9c1d0e4b`, model.safetensors `aa11bb22cc33` |")
                .doesNotContain("3f2a9c1d0e4b5");
    }

    @Test
    void hasEachStepWithTimingSummaryTablesAndChartNotes() {
        assertThat(MD).contains("## 1. `layer-sweep` — experiment `ablation-sweep`")
                .contains("Zero-ablates each layer's attention output and measures the effect.")
                .contains("*Ran in 12.35 s, 1440 forward passes*")
                .contains("*Resumed: the stored result of an earlier run, which took 1 min 15 s, 2250 forward passes; nothing ran this time*");
        assertThat(MD).contains("| Name | Value |\n|---|---:|\n| hub-layer | 13 |\n")
                .contains("| best-family | name-mover |").contains("| max-effect | 2.5 |").contains("| tiny | 1.5e-7 |")
                .contains("| undefined | NaN |");
        assertThat(MD).contains("### Table `effects` (144 rows)")
                .contains("| layer | family | effect | prompts |\n|---:|---|---:|---:|\n| 0 | copy | 0.4111 | 120 |\n")
                .contains("| 5 | induction | NaN | 125 |").contains("| 7 | previous-token | ∞ | 127 |");
        assertThat(MD).contains("> Chart *Effect of ablating each layer, by family* (heatmap of effect over layer × family, from table "
                + "`effects`) is drawn in report.html.");
        assertThat(MD).contains("## Configuration\n\n```hocon\nstudy {\n");
    }

    @Test
    void capsLongTablesAndSaysWhereTheRestIs() {
        assertThat(MD).contains("### Table `per-prompt` (450 rows)")
                .contains("| prompt-199 | 0.199 | false | tok\\|199 |")
                .doesNotContain("prompt-200 ")
                .contains("*250 more rows are left out here (200 of 450 shown); results.json has all of them.*");
        // a missing value is an empty cell
        assertThat(MD).contains("| prompt-0 |  | true | tok\\|0 |");
    }

    @Test
    void escapesWhatWouldBeMarkdownOrHtml() {
        assertThat(MD).contains("| 0 | \\<script\\>x\\</script\\> |").doesNotContain("<script>");
        StepResult r = new StepResult(List.of(new Table("t", List.of("a|b"), List.of(row("*bold* [link](x) `c`\nnext")))),
                List.of(), Map.of());
        StudyResults s = new StudyResults("x", "", Map.of(), SampleResults.THREADS, 1, List.of(),
                List.of(new StepRecord("s", "e", "# not a heading", "{}", "f", 1, 1, false, r)), "t", 1);
        String md = MarkdownReport.render(s);
        assertThat(md).contains("| a\\|b |").contains("| \\*bold\\* \\[link\\](x) \\`c\\` next |").contains("\n\\# not a heading\n");
    }
}
