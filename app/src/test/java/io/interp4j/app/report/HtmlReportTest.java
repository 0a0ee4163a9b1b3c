package io.interp4j.app.report;

import static io.interp4j.app.report.SampleResults.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    static final String HTML = HtmlReport.render(SampleResults.study());
    private static final Pattern TAG = Pattern.compile("<(/?)([a-zA-Z][a-zA-Z0-9]*)\\b[^>]*?(/?)>");
    private static final Set<String> VOID = Set.of("meta", "br", "hr", "img", "input", "link", "wbr");

    static StudyResults oneStep(StepResult result) {
        return new StudyResults("t", "", Map.of(), SampleResults.THREADS, 1, List.of(),
                List.of(new StepRecord("s", "e", "d", "{}", "f", 1, 1, false, result)), "now", 1);
    }

    static List<String> all(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return found;
    }

    /** Every element we open is closed, in order; void elements and self-closing SVG elements stand alone. */
    static void assertBalanced(String html) {
        String body = html.replaceFirst("(?s)<style>.*?</style>", "<style></style>");
        Deque<String> open = new ArrayDeque<>();
        Matcher m = TAG.matcher(body);
        while (m.find()) {
            String name = m.group(2).toLowerCase();
            if (!m.group(3).isEmpty() || VOID.contains(name)) {
                continue;
            }
            if (m.group(1).isEmpty()) {
                open.push(name);
            } else {
                assertThat(open).as("closing </%s> at %d", name, m.start()).isNotEmpty();
                assertThat(open.pop()).as("closing </%s> at %d", name, m.start()).isEqualTo(name);
            }
        }
        assertThat(open).as("unclosed").isEmpty();
        // nothing that looks like a tag is left unescaped in text: every '<' starts a tag or the doctype
        assertThat(body.replaceAll("<[/a-zA-Z!][^<>]*>", "")).doesNotContain("<").doesNotContain(">");
    }

    @Test
    void isWellFormedAndSelfContained() {
        assertThat(HTML).startsWith("<!DOCTYPE html>").contains("<meta charset=\"utf-8\">").endsWith("</html>\n");
        assertBalanced(HTML);
        assertThat(HTML).doesNotContainPattern("(?i)<script");
        assertThat(HTML).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//");
        assertThat(HTML).doesNotContainPattern("(?i)https?://").doesNotContainPattern("(?i)@import|url\\(\\s*['\"]?[a-z]+:");
        assertThat(all("href=\"([^\"]*)\"", HTML)).allMatch(href -> href.startsWith("#step-"));
    }

    @Test
    void escapesTextEverywhere() {
        assertThat(HTML).contains("<title>Study: induction heads in &lt;Qwen2&gt;</title>")
                .contains("<td>&lt;script&gt;x&lt;/script&gt;</td>")
                // the family as a heatmap label and in a tooltip
                .contains("&lt;script&gt;x&lt;/script&gt;</text>")
                .contains("<title>family = &lt;script&gt;x&lt;/script&gt;, layer = 0: effect = ");
        StepResult r = new StepResult(List.of(new Table("<t>", List.of("\"col\""), List.of(row("<script>alert('x')</script> & more")))),
                List.of(), Map.of("<k>", "<v>"));
        String html = HtmlReport.render(oneStep(r));
        assertBalanced(html);
        assertThat(html).doesNotContain("<script").contains("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more</td>")
                .contains("<th>&quot;col&quot;</th>").contains("<td>&lt;k&gt;</td><td>&lt;v&gt;</td>");
    }

    @Test
    void hasTheSectionsOfTheMarkdown() {
        assertThat(HTML).contains("<h1>Study: induction heads in &lt;Qwen2&gt;</h1>").contains("<dt>Seed</dt><dd>42</dd>")
                .contains("<code title=\"3f2a9c1d0e4b5a6978877665544332211ffeeddccbbaa99887766554433221100\">3f2a9c1d0e4b</code>")
                .contains("<span class=\"resumed\">resumed</span>").contains("Resumed: the stored result of an earlier run, which took 1 min 15 s, 2250 forward passes; nothing ran this time")
                .contains("<dt>Wall time</dt><dd>1 min 34 s this run; 1 step reused from earlier runs, which took 1 min 15 s</dd>")
                .contains("<td>hub-layer</td><td class=\"num\">13</td>").contains("<td class=\"num na\">NaN</td>")
                .contains("250 more rows are left out here (200 of 450 shown); results.json has all of them.");
        assertThat(all("(<tr><td>prompt-\\d+</td>)", HTML)).hasSize(200);
    }

    @Test
    void drawsOneHeatmapCellPerXyWithItsValueAsTooltip() {
        Table t = new Table("grid", List.of("layer", "family", "effect"), List.of(
                row(1, "a", 2.0), row(0, "a", 1.0), row(0, "b", 3.0), row(0, "b", 5.0), row(1, "b", Double.NaN), row(2, "a", null)));
        String html = HtmlReport.render(oneStep(new StepResult(List.of(t),
                List.of(new Chart("heat", ChartType.HEATMAP, "grid", "layer", "family", "effect")), Map.of())));
        assertBalanced(html);
        String svg = all("(<svg class=\"chart heatmap\".*?</svg>)", html).get(0);

        List<String> cells = all("(<rect class=\"cell\"[^>]*><title>[^<]*</title></rect>)", svg);
        assertThat(cells).hasSize(4);
        assertThat(all("<rect class=\"cell\"[^>]*><title>([^<]*)</title>", svg)).containsExactly(
                "family = a, layer = 0: effect = 1",
                "family = a, layer = 1: effect = 2",
                "family = b, layer = 0: effect = 4 (mean of 2 rows)",
                "family = b, layer = 1: effect = NaN");
        // the scale runs from the smallest to the largest finite value; NaN is grey
        assertThat(cells.get(0)).contains("fill=\"#440154\"");
        assertThat(cells.get(2)).contains("fill=\"#fde725\"");
        assertThat(cells.get(3)).contains("fill=\"" + Svg.NON_FINITE_FILL + "\"");
        assertThat(svg).contains(">min 1</text>").contains(">max 4</text>").contains(">NaN or ±∞</text>");
        // axis labels: layers sorted (2 has no value but is a column), families in table order, axis names
        assertThat(all("<text class=\"tick\"[^>]*><title>[^<]*</title>([^<]*)</text>", svg)).containsExactly("a", "b", "0", "1", "2");
        assertThat(svg).contains(">layer</text>").contains(">family</text>");
    }

    @Test
    void drawsOnePolylinePerSeriesSortedByXWithoutNonFinitePoints() {
        Table t = new Table("lines", List.of("layer", "family", "effect"), List.of(
                row(2, "a", 0.5), row(0, "a", 1.0), row(1, "a", Double.POSITIVE_INFINITY), row(10, "a", 0.0),
                row(0, "b", -1.0), row(2, "b", 2.0), row(0, "c", 0.25)));
        String html = HtmlReport.render(oneStep(new StepResult(List.of(t),
                List.of(new Chart("lines", ChartType.LINE, "lines", "layer", "family", "effect")), Map.of())));
        assertBalanced(html);
        String svg = all("(<svg class=\"chart line\".*?</svg>)", html).get(0);

        List<String> polylines = all("<polyline[^>]* points=\"([^\"]*)\"", svg);
        assertThat(polylines).hasSize(3);
        List<Double> xs = new ArrayList<>();
        for (String point : polylines.get(0).split(" ")) {
            xs.add(Double.parseDouble(point.split(",")[0]));
        }
        assertThat(xs).hasSize(3).isSorted();
        // layer 10 sits five times as far from layer 0 as layer 2 does: a numeric axis
        assertThat(xs.get(2) - xs.get(0)).isCloseTo(5 * (xs.get(1) - xs.get(0)), org.assertj.core.data.Offset.offset(0.2));
        assertThat(polylines.get(1).split(" ")).hasSize(2);
        assertThat(polylines.get(2).split(" ")).hasSize(1);
        assertThat(all("<circle[^>]*><title>([^<]*)</title>", svg)).contains("family = a, layer = 10: effect = 0", "family = c, layer = 0: effect = 0.25")
                .hasSize(6);
        assertThat(all("<g class=\"legend-row\"><title>([^<]*)</title>", svg)).containsExactly("a", "b", "c");
    }

    @Test
    void aStudyWithNothingResumedShowsItsWallTimeAlone() {
        assertThat(HtmlReport.render(oneStep(SampleResults.sweep()))).contains("<dt>Wall time</dt><dd>1 s</dd>");
    }

    @Test
    void drawsSeriesOfDifferentQuantitiesEachOnItsOwnAxis() {
        Table t = new Table("m", List.of("layer", "metric", "mean"), List.of(
                row(0, "kl-divergence", 2.5), row(1, "kl-divergence", 0.5), row(0, "top-k-overlap", 0.2), row(1, "top-k-overlap", 0.9)));
        String html = HtmlReport.render(oneStep(new StepResult(List.of(t),
                List.of(new Chart("by layer", ChartType.LINE_PER_SERIES, "m", "layer", "metric", "mean")), Map.of())));
        // two drawings, one line each, the vertical axis of each titled with its series
        assertThat(all("(<svg class=\"chart line\")", html)).hasSize(2);
        assertThat(all("(<polyline )", html)).hasSize(2);
        assertThat(all("transform=\"rotate\\(-90[^\"]*\">([^<]*)</text>", html)).containsExactly("kl-divergence", "top-k-overlap");
        assertThat(html).contains("aria-label=\"by layer: kl-divergence\"").contains("one panel with its own axis per metric");
    }

    @Test
    void placesNonNumericXAsCategoriesInTableOrder() {
        List<String> lines = all("(<svg class=\"chart line\".*?</svg>)", HTML);
        // the sweep's families on one axis, then the three metrics by condition, each in its own panel
        assertThat(lines).hasSize(4);
        assertThat(all("<polyline", lines.get(0))).hasSize(6);
        for (String panel : lines.subList(1, 4)) {
            assertThat(all("<text class=\"tick\"[^>]*><title>([^<]*)</title>", panel))
                    .containsExactly("clean", "corrupted", "patched-resid", "patched-attn", "patched-mlp");
            assertThat(all("<polyline", panel)).hasSize(1);
        }
    }

    @Test
    void printsValuesInCellsOnlyWhenAllFit() {
        List<String> heatmaps = all("(<svg class=\"chart heatmap.*?</svg>)", HTML);
        assertThat(all("<text class=\"cellv", heatmaps.get(0))).isEmpty();
        assertThat(all("<text class=\"cellv[^>]*>([^<]*)</text>", heatmaps.get(1))).hasSize(15).startsWith("0.91", "0.12");
    }

    @Test
    void widensAGridTooWideForThePageAndKeepsCoordinatesFinite() {
        List<List<Object>> rows = new ArrayList<>();
        for (int position = 0; position < 400; position++) {
            rows.add(row(position, "a", position * 1e300));
            rows.add(row(position, "b", -position * 1e300));
        }
        rows.add(row(400, "a", Double.MAX_VALUE));
        rows.add(row(400, "b", -Double.MAX_VALUE));
        Table t = new Table("wide", List.of("position", "series", "v"), rows);
        String html = HtmlReport.render(oneStep(new StepResult(List.of(t), List.of(
                new Chart("heat", ChartType.HEATMAP, "wide", "position", "series", "v"),
                new Chart("line", ChartType.LINE, "wide", "position", "series", "v")), Map.of())));
        assertBalanced(html);
        String heatmap = all("(<svg class=\"chart heatmap.*?</svg>)", html).get(0);
        assertThat(heatmap).startsWith("<svg class=\"chart heatmap wide\" width=\"1");
        assertThat(all("<rect class=\"cell\"", heatmap)).hasSize(802);
        assertThat(html).doesNotContain("\"NaN\"").doesNotContain("Infinity").doesNotContainPattern("[ ,]NaN[ ,\"]");
        assertThat(all("<polyline", html)).hasSize(2);
    }
}
