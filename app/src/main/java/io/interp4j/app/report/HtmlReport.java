package io.interp4j.app.report;

import static io.interp4j.app.report.Html.escape;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code report.html}: the sections of {@link MarkdownReport}, with every chart drawn as inline SVG
 * ({@link HeatmapSvg}, {@link LineSvg}). One self-contained file: inline CSS, no scripts, fonts,
 * style sheets or images from anywhere, so that it opens the same offline, attached to a mail or years
 * later. All text from the study is escaped.
 */
public final class HtmlReport {
    /** Tables with at most this many rows are shown unfolded. */
    private static final int OPEN_ROWS = 30;

    private static final String CSS = """
            :root { color-scheme: light; }
            body { margin: 0; background: #f3f4f6; color: #1f2328;
              font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
            h1 { font-size: 1.9em; margin: 0 0 .5em; }
            h2 { font-size: 1.35em; margin: 2.2em 0 .6em; padding-bottom: .25em; border-bottom: 1px solid #d8dee4; }
            h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
            code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .88em; }
            code { background: #f0f2f4; padding: .1em .35em; border-radius: 4px; }
            pre { background: #f6f8fa; border: 1px solid #e3e6ea; border-radius: 6px; padding: 10px 12px; overflow: auto; max-height: 420px;
              white-space: pre-wrap; overflow-wrap: anywhere; }
            dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0 0 1em; }
            dl.run dt { color: #57606a; font-weight: 600; }
            dl.run dd { margin: 0; }
            nav ol { margin: .3em 0; padding-left: 1.6em; }
            .exp { font-size: .72em; font-weight: 500; color: #3b4a6b; background: #e8edf7; border-radius: 10px; padding: 2px 9px;
              vertical-align: middle; margin-left: .4em; }
            .resumed { font-size: .72em; font-weight: 500; color: #6b4a00; background: #fff1cc; border-radius: 10px; padding: 2px 9px;
              vertical-align: middle; margin-left: .3em; }
            .desc { white-space: pre-line; }
            .timing, .note { color: #57606a; }
            .note { font-style: italic; font-size: .9em; }
            table { border-collapse: collapse; font-size: 13px; max-width: 100%; }
            table.full { width: 100%; }
            th, td { border: 1px solid #e1e4e8; padding: 3px 9px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
            th { background: #f3f5f7; font-weight: 600; }
            tbody tr:nth-child(even) { background: #fafbfc; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            td.na { color: #8c959f; }
            td.val { min-width: 7em; font-variant-numeric: tabular-nums; }
            td.msg { min-width: 18em; }
            table.summary td:first-child { font-weight: 600; }
            th.num { white-space: normal; }
            .wide { overflow-x: auto; max-width: 100%; }
            @media print { .wide, .chart-box { overflow: visible; } pre { max-height: none; } }
            @media print, (max-width: 800px) { th, td { padding: 2px 5px; } }
            details { margin: .6em 0; }
            summary { cursor: pointer; }
            figure { margin: 1.2em 0 1.6em; }
            figcaption { font-weight: 600; margin-bottom: 6px; }
            figcaption small { font-weight: 400; color: #57606a; }
            .chart-box { overflow-x: auto; }
            svg.chart { display: block; max-width: 100%; height: auto; }
            svg.chart.wide { max-width: none; }
            svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 12px; fill: #24292f; }
            svg .axis-title { font-weight: 600; }
            svg .cellv { font-size: 10px; text-anchor: middle; pointer-events: none; }
            svg .cellv.light { fill: #fff; }
            svg .cellv.dark { fill: #111; }
            svg rect.cell:hover { stroke: #000; stroke-width: 2; }
            svg .frame { fill: #fff; stroke: #d0d7de; }
            svg .grid { stroke: #eaeef2; }
            svg .zero { stroke: #8c959f; }
            svg .axis, svg .tickmark { stroke: #57606a; }
            svg circle { stroke: #fff; stroke-width: 1; }
            svg circle.dense { stroke: none; }
            svg circle:hover { stroke: #000; stroke-width: 2; }
            """;

    private HtmlReport() {}

    /**
     * Renders the report.
     *
     * @param results the results
     * @return the HTML document
     */
    public static String render(StudyResults results) {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Study: ").append(escape(results.name())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<main>\n");
        h.append("<h1>Study: ").append(escape(results.name())).append("</h1>\n");
        runInfo(h, results);
        if (!results.steps().isEmpty()) {
            h.append("<nav>\n<h2>Steps</h2>\n<ol>\n");
            int index = 0;
            for (StepRecord step : results.steps()) {
                index++;
                h.append("<li><a href=\"#step-").append(index).append("\"><code>").append(escape(step.id())).append("</code></a> ")
                        .append(escape(step.experiment())).append(step.resumed() ? " (resumed)" : "").append("</li>\n");
            }
            h.append("</ol>\n</nav>\n");
        }
        models(h, results.models());
        atlas(h, AtlasView.of(results));
        int index = 0;
        for (StepRecord step : results.steps()) {
            index++;
            step(h, index, step);
        }
        h.append("<section id=\"configuration\">\n<h2>Configuration</h2>\n<details>\n<summary>Resolved configuration</summary>\n<pre>")
                .append(escape(results.resolvedConfig())).append("</pre>\n</details>\n</section>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void runInfo(StringBuilder h, StudyResults results) {
        h.append("<dl class=\"run\">\n");
        dt(h, "Started", escape(results.startedAt()));
        dt(h, "Wall time", escape(Format.wallTime(results)));
        dt(h, "Seed", Long.toString(results.seed()));
        long resumed = results.steps().stream().filter(StepRecord::resumed).count();
        dt(h, "Steps", results.steps().size() + (resumed > 0 ? " (" + resumed + " resumed from stored results)" : ""));
        if (!results.versions().isEmpty()) {
            StringBuilder versions = new StringBuilder();
            for (Map.Entry<String, String> e : new TreeMap<>(results.versions()).entrySet()) {
                if (versions.length() > 0) {
                    versions.append(", ");
                }
                versions.append(escape(e.getKey())).append(' ').append(escape(e.getValue()));
            }
            dt(h, "Versions", versions.toString());
        }
        h.append("</dl>\n");
    }

    private static void atlas(StringBuilder h, AtlasView atlas) {
        if (atlas.isEmpty()) {
            return;
        }
        h.append("<section id=\"atlas\">\n<h2>Atlas</h2>\n");
        for (String protocol : atlas.protocols()) {
            h.append("<h3>Protocol: ").append(escape(protocol)).append("</h3>\n<table class=\"full atlas\">\n<thead><tr><th>Dimension</th>")
                    .append("<th>Measure</th>");
            atlas.models().forEach(m -> h.append("<th>").append(escape(m)).append("</th>"));
            h.append("<th class=\"num\">Δ</th></tr></thead>\n<tbody>\n");
            for (AtlasView.Row row : atlas.rows().get(protocol)) {
                h.append("<tr><td>").append(escape(row.dimension())).append("</td><td><code>").append(escape(row.key())).append("</code></td>");
                for (String m : atlas.models()) {
                    AtlasView.Cell cell = row.byModel().get(m);
                    h.append("<td class=\"val\">").append(cell == null ? "" : escape(cell.shown())).append("</td>");
                }
                h.append("<td class=\"num\">").append(escape(row.delta())).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        if (!atlas.testing().isEmpty()) {
            h.append("<p>").append(escape(atlas.testing())).append("</p>\n");
        }
        if (!atlas.flags().isEmpty()) {
            h.append("<h3>Flags</h3>\n<table class=\"full flags\">\n<thead><tr><th>Kind</th><th>Dimension</th><th>Protocol</th>")
                    .append("<th>Model</th><th>What was seen</th></tr></thead>\n<tbody>\n");
            for (AtlasView.Flag f : atlas.flags()) {
                h.append("<tr><td>").append(escape(f.kind())).append("</td><td>").append(escape(f.dimension())).append("</td><td>")
                        .append(escape(f.protocol())).append("</td><td>").append(escape(f.model())).append("</td><td class=\"msg\">")
                        .append(escape(f.message())).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");
    }

    private static void dt(StringBuilder h, String term, String html) {
        h.append("<dt>").append(term).append("</dt><dd>").append(html).append("</dd>\n");
    }

    private static void models(StringBuilder h, List<ModelInfo> models) {
        h.append("<section id=\"models\">\n<h2>Models</h2>\n");
        if (models.isEmpty()) {
            h.append("<p>No models.</p>\n</section>\n");
            return;
        }
        h.append("<table class=\"full\">\n<thead><tr><th>Name</th><th>Path</th><th>Engine</th><th>Architecture</th>")
                .append("<th>Files (SHA-256, first ").append(Format.HASH_CHARS).append(" hex)</th></tr></thead>\n<tbody>\n");
        for (ModelInfo model : models) {
            h.append("<tr><td>").append(escape(model.name())).append("</td><td><code>").append(escape(model.path()))
                    .append("</code></td><td>").append(escape(model.engine())).append("</td><td>").append(escape(model.architecture()))
                    .append("</td><td>");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(model.fileHashes()).entrySet()) {
                h.append(first ? "" : "<br>").append(escape(e.getKey())).append(" <code title=\"").append(escape(e.getValue()))
                        .append("\">").append(escape(Format.shortHash(e.getValue()))).append("</code>");
                first = false;
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n");
    }

    private static void step(StringBuilder h, int index, StepRecord step) {
        h.append("<section class=\"step\" id=\"step-").append(index).append("\">\n<h2>").append(index).append(". <code>")
                .append(escape(step.id())).append("</code><span class=\"exp\">").append(escape(step.experiment())).append("</span>");
        if (step.resumed()) {
            h.append("<span class=\"resumed\">resumed</span>");
        }
        h.append("</h2>\n");
        if (!step.description().isBlank()) {
            h.append("<p class=\"desc\">").append(escape(step.description().strip())).append("</p>\n");
        }
        h.append("<p class=\"timing\">").append(escape(Format.timing(step))).append("</p>\n");

        Map<String, Object> summary = step.result().summary();
        if (!summary.isEmpty()) {
            h.append("<h3>Summary</h3>\n<table class=\"summary\">\n<tbody>\n");
            for (Map.Entry<String, Object> e : summary.entrySet()) {
                h.append("<tr><td>").append(escape(e.getKey())).append("</td>");
                cell(h, e.getValue());
                h.append("</tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }

        int chartIndex = 0;
        for (Chart chart : step.result().charts()) {
            chartIndex++;
            Table table = step.result().tables().stream().filter(t -> t.name().equals(chart.table())).findFirst().orElseThrow();
            ChartData data = ChartData.of(chart, table);
            h.append("<figure>\n<figcaption>").append(escape(chart.title())).append(" <small>(")
                    .append(escape(Format.chartKind(chart))).append(", from table <code>").append(escape(chart.table()))
                    .append("</code>)</small></figcaption>\n<div class=\"chart-box\">");
            switch (chart.type()) {
                case HEATMAP -> h.append(HeatmapSvg.render(chart, data, "s" + index + "c" + chartIndex));
                case LINE -> h.append(LineSvg.render(chart, data));
                case LINE_PER_SERIES -> LineSvg.panels(h, chart, table);
            }
            h.append("</div>\n</figure>\n");
        }

        for (Table table : step.result().tables()) {
            table(h, table);
        }
        h.append("<details>\n<summary>Settings</summary>\n<pre>").append(escape(step.settings())).append("</pre>\n")
                .append("<p class=\"note\">Fingerprint <code>").append(escape(step.fingerprint())).append("</code></p>\n</details>\n");
        h.append("</section>\n");
    }

    private static void table(StringBuilder h, Table table) {
        int rows = table.rows().size();
        boolean[] numeric = Format.numericColumns(table);
        h.append("<details").append(rows <= OPEN_ROWS ? " open" : "").append(">\n<summary><b>Table <code>").append(escape(table.name()))
                .append("</code></b> — ").append(Format.plural(rows, "row", "rows")).append(" × ")
                .append(Format.plural(table.columns().size(), "column", "columns")).append("</summary>\n");
        h.append("<div class=\"wide\"><table>\n<thead><tr>");
        for (int c = 0; c < table.columns().size(); c++) {
            h.append(numeric[c] ? "<th class=\"num\">" : "<th>").append(escape(table.columns().get(c))).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        int shown = Math.min(rows, Format.MAX_ROWS);
        for (List<Object> row : table.rows().subList(0, shown)) {
            h.append("<tr>");
            for (Object cell : row) {
                cell(h, cell);
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table></div>\n");
        if (shown < rows) {
            h.append("<p class=\"note\">").append(rows - shown).append(" more rows are left out here (").append(shown).append(" of ")
                    .append(rows).append(" shown); results.json has all of them.</p>\n");
        }
        h.append("</details>\n");
    }

    private static void cell(StringBuilder h, Object value) {
        if (value == null) {
            h.append("<td class=\"na\"></td>");
        } else if (value instanceof Number number) {
            h.append(Double.isFinite(number.doubleValue()) ? "<td class=\"num\">" : "<td class=\"num na\">")
                    .append(escape(Format.number(number))).append("</td>");
        } else {
            h.append("<td>").append(escape(value.toString())).append("</td>");
        }
    }
}
