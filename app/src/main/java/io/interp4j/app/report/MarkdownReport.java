package io.interp4j.app.report;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code report.md}: run information, models, and per step its description, timing, summary and
 * tables (numbers as {@link Format#cell} shows them, at most {@value Format#MAX_ROWS} rows a table);
 * charts are only named, they are drawn in {@code report.html}. All text from the study is escaped, so
 * that a cell such as {@code <script>} or {@code a|b} shows as written.
 */
public final class MarkdownReport {
    private MarkdownReport() {}

    /**
     * Renders the report.
     *
     * @param results the results
     * @return the Markdown text
     */
    public static String render(StudyResults results) {
        StringBuilder md = new StringBuilder(1 << 14);
        md.append("# Study: ").append(text(results.name())).append("\n\n");
        md.append("- **Started:** ").append(text(results.startedAt())).append('\n');
        md.append("- **Wall time:** ").append(Format.wallTime(results)).append('\n');
        md.append("- **Seed:** ").append(results.seed()).append('\n');
        md.append("- **Steps:** ").append(results.steps().size());
        long resumed = results.steps().stream().filter(StepRecord::resumed).count();
        if (resumed > 0) {
            md.append(" (").append(resumed).append(" resumed from stored results)");
        }
        md.append('\n');
        if (!results.versions().isEmpty()) {
            md.append("- **Versions:** ").append(new TreeMap<>(results.versions()).entrySet().stream()
                    .map(e -> text(e.getKey()) + " " + text(e.getValue())).collect(Collectors.joining(", "))).append('\n');
        }
        md.append('\n');

        md.append("## Models\n\n");
        if (results.models().isEmpty()) {
            md.append("No models.\n\n");
        } else {
            md.append("| Name | Path | Engine | Architecture | Files (SHA-256, first ").append(Format.HASH_CHARS).append(" hex) |\n");
            md.append("|---|---|---|---|---|\n");
            for (ModelInfo model : results.models()) {
                md.append("| ").append(text(model.name()))
                        .append(" | ").append(codeCell(model.path()))
                        .append(" | ").append(text(model.engine()))
                        .append(" | ").append(text(model.architecture()))
                        .append(" | ").append(new TreeMap<>(model.fileHashes()).entrySet().stream()
                                .map(e -> text(e.getKey()) + " " + codeCell(Format.shortHash(e.getValue())))
                                .collect(Collectors.joining(", ")))
                        .append(" |\n");
            }
            md.append('\n');
        }

        atlas(md, AtlasView.of(results));

        int index = 0;
        for (StepRecord step : results.steps()) {
            index++;
            step(md, index, step);
        }

        md.append("## Configuration\n\n");
        fenced(md, "hocon", results.resolvedConfig());
        return md.toString();
    }

    private static void atlas(StringBuilder md, AtlasView atlas) {
        if (atlas.isEmpty()) {
            return;
        }
        md.append("## Atlas\n\n");
        for (String protocol : atlas.protocols()) {
            md.append("### Protocol: ").append(protocol).append("\n\n| Dimension | Measure |");
            atlas.models().forEach(m -> md.append(' ').append(text(m)).append(" |"));
            md.append(" Δ |\n|---|---|");
            atlas.models().forEach(m -> md.append("---:|"));
            md.append("---:|\n");
            for (AtlasView.Row row : atlas.rows().get(protocol)) {
                md.append("| ").append(text(row.dimension())).append(" | ").append(code(row.key())).append(" |");
                for (String m : atlas.models()) {
                    AtlasView.Cell cell = row.byModel().get(m);
                    md.append(' ').append(cell == null ? "" : text(cell.shown())).append(" |");
                }
                md.append(' ').append(text(row.delta())).append(" |\n");
            }
            md.append('\n');
        }
        if (!atlas.testing().isEmpty()) {
            md.append(text(atlas.testing())).append("\n\n");
        }
        if (!atlas.flags().isEmpty()) {
            md.append("### Flags\n\n| Kind | Dimension | Protocol | Model | What was seen |\n|---|---|---|---|---|\n");
            for (AtlasView.Flag f : atlas.flags()) {
                md.append("| ").append(text(f.kind())).append(" | ").append(text(f.dimension())).append(" | ").append(text(f.protocol()))
                        .append(" | ").append(text(f.model())).append(" | ").append(text(f.message())).append(" |\n");
            }
            md.append('\n');
        }
    }

    private static void step(StringBuilder md, int index, StepRecord step) {
        md.append("## ").append(index).append(". ").append(code(step.id())).append(" — experiment ").append(code(step.experiment()))
                .append("\n\n");
        if (!step.description().isBlank()) {
            String description = text(step.description().strip());
            // a leading #, -, + or = would make a heading or a list of the paragraph
            md.append("#-+=".indexOf(description.charAt(0)) >= 0 ? "\\" : "").append(description).append("\n\n");
        }
        md.append('*').append(Format.timing(step)).append("*\n\n");

        Map<String, Object> summary = step.result().summary();
        if (!summary.isEmpty()) {
            md.append("**Summary**\n\n| Name | Value |\n|---|---:|\n");
            for (Map.Entry<String, Object> e : summary.entrySet()) {
                md.append("| ").append(text(e.getKey())).append(" | ").append(cell(e.getValue())).append(" |\n");
            }
            md.append('\n');
        }
        for (Chart chart : step.result().charts()) {
            md.append("> Chart *").append(text(chart.title())).append("* (").append(text(Format.chartKind(chart)))
                    .append(", from table ").append(code(chart.table())).append(") is drawn in report.html.\n\n");
        }
        for (Table table : step.result().tables()) {
            table(md, table);
        }
        md.append("<details><summary>Settings (fingerprint ").append(text(Format.shortHash(step.fingerprint())))
                .append(")</summary>\n\n");
        fenced(md, "json", step.settings());
        md.append("</details>\n\n");
    }

    private static void table(StringBuilder md, Table table) {
        int rows = table.rows().size();
        md.append("### Table ").append(code(table.name())).append(" (").append(Format.plural(rows, "row", "rows")).append(")\n\n");
        if (table.columns().isEmpty()) {
            md.append("No columns.\n\n");
            return;
        }
        boolean[] numeric = Format.numericColumns(table);
        md.append('|');
        for (String column : table.columns()) {
            md.append(' ').append(text(column)).append(" |");
        }
        md.append("\n|");
        for (boolean n : numeric) {
            md.append(n ? "---:|" : "---|");
        }
        md.append('\n');
        int shown = Math.min(rows, Format.MAX_ROWS);
        for (List<Object> row : table.rows().subList(0, shown)) {
            md.append('|');
            for (Object cell : row) {
                md.append(' ').append(cell(cell)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        if (shown < rows) {
            md.append("*").append(rows - shown).append(" more rows are left out here (").append(shown).append(" of ").append(rows)
                    .append(" shown); results.json has all of them.*\n\n");
        }
    }

    private static String cell(Object value) {
        // numbers format to digits, '.', '-', 'e', '∞' and NaN: nothing to escape
        return value instanceof Number ? Format.cell(value) : text(Format.cell(value));
    }

    /**
     * Text that shows as written: Markdown's inline punctuation is backslash-escaped ({@code <} too, so
     * no HTML gets through); line breaks become spaces so that a table row stays one line.
     */
    static String text(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '&', '~' -> out.append('\\').append(c);
                case '\r' -> {
                    if (i + 1 >= s.length() || s.charAt(i + 1) != '\n') {
                        out.append(' ');
                    }
                }
                case '\n' -> out.append(' ');
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A code span that holds any text: the fence is longer than any run of backticks inside. */
    static String code(String s) {
        return code(s, false);
    }

    /** A code span in a table cell, where GFM needs a pipe escaped even inside code. */
    static String codeCell(String s) {
        return code(s, true);
    }

    private static String code(String s, boolean inTable) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        String oneLine = s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        if (inTable) {
            oneLine = oneLine.replace("|", "\\|");
        }
        String fence = "`".repeat(longestRun(oneLine, '`') + 1);
        String pad = oneLine.startsWith("`") || oneLine.endsWith("`") ? " " : "";
        return fence + pad + oneLine + pad + fence;
    }

    private static void fenced(StringBuilder md, String language, String body) {
        String fence = "`".repeat(Math.max(3, longestRun(body, '`') + 1));
        md.append(fence).append(language).append('\n').append(body);
        if (!body.endsWith("\n")) {
            md.append('\n');
        }
        md.append(fence).append("\n\n");
    }

    private static int longestRun(String s, char c) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == c ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}
