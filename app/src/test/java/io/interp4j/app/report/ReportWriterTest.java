package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.app.study.StudyResults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    @TempDir
    Path dir;

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAllThreeAndNoTemporaryFiles() throws Exception {
        StudyResults results = SampleResults.study();
        Path out = dir.resolve("new/out");

        List<Path> written = ReportWriter.write(out, results);

        assertThat(written).containsExactly(out.resolve("results.json"), out.resolve("report.md"), out.resolve("report.html"));
        assertThat(names(out)).containsExactly("report.html", "report.md", "results.json");
        assertThat(ResultsJson.read(out.resolve("results.json")).steps()).hasSize(2);
        assertThat(Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8)).isEqualTo(MarkdownReport.render(results));
        assertThat(Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8)).isEqualTo(HtmlReport.render(results));

        // again over the old files: replaced, still nothing else there
        ReportWriter.write(out, results);
        assertThat(names(out)).containsExactly("report.html", "report.md", "results.json");
    }

    @Test
    void writesOnlyTheChosenFormats() throws Exception {
        assertThat(ReportWriter.write(dir, SampleResults.study(), Set.of("html", "json"))).containsExactly(dir.resolve("results.json"),
                dir.resolve("report.html"));
        assertThat(names(dir)).containsExactly("report.html", "results.json");
        assertThatThrownBy(() -> ReportWriter.write(dir, SampleResults.study(), Set.of("pdf")))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown report format 'pdf'");
    }

    @Test
    void leavesNothingBehindWhenTheTargetCannotBeReplaced() throws Exception {
        Files.createDirectories(dir.resolve("report.md/blocker"));
        assertThatThrownBy(() -> ReportWriter.write(dir, SampleResults.study())).isInstanceOf(Interp4jException.class);
        assertThat(names(dir)).containsExactly("report.md", "results.json");
    }
}
