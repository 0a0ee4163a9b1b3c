package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Looks at a rendered report in headless Chromium, for each rough edge issue 19 (point 3) found in real
 * reports: every table is laid out in full, at a screen's width and at a printed page's, with no table
 * wider than the page, inside a box that scrolls or clips it, or holding a cell whose text overflows its
 * column; every heatmap's legend states its colour scale, the scale the values call for, and small
 * effects are drawn in visibly different colours; every line chart's vertical axis is titled with one
 * quantity and carries only series of its unit; the atlas's text row shows no Δ while a numeric row
 * does; the header's wall time counts the resumed steps as reused. The browser measures the page itself
 * (scripts run on a copy of the page write what they found into it, read back with {@code --dump-dom}):
 * fills as computed, text as rendered, boxes as laid out. A screenshot of the whole page and the page
 * are kept under {@code app/target/report-check/} for CI's artefacts.
 *
 * <p>Needs Debian's {@code chromium}; CI installs it ({@code .ci/run}), and without it the test fails
 * rather than skips.
 */
class ReportBrowserTest {
    /** Lists, in the page, the tables that the reader cannot see in full; "ok" when there are none. */
    private static final String CHECK = """
            <script>
            (function () {
              var problems = [];
              var page = document.querySelector('main').getBoundingClientRect();
              var pad = parseFloat(getComputedStyle(document.querySelector('main')).paddingRight);
              document.querySelectorAll('table').forEach(function (t, n) {
                if (t.getClientRects().length === 0) { return; } // folded away in a closed <details>
                var name = 'table ' + n + (t.className ? ' (' + t.className + ')' : '');
                var r = t.getBoundingClientRect();
                if (r.right > page.right - pad + 1) {
                  problems.push(name + ' ends at ' + Math.round(r.right) + ' px, past the page at ' + Math.round(page.right - pad));
                }
                for (var a = t.parentElement; a && a !== document.body; a = a.parentElement) {
                  var s = getComputedStyle(a);
                  var clips = s.overflowX !== 'visible' || s.overflowY !== 'visible';
                  if (clips && (a.scrollWidth > a.clientWidth + 1 || a.scrollHeight > a.clientHeight + 1)) {
                    problems.push(name + ' sits in a ' + a.tagName.toLowerCase() + ' that shows ' + a.clientWidth + ' x ' + a.clientHeight
                        + ' px of ' + a.scrollWidth + ' x ' + a.scrollHeight);
                  }
                }
                t.querySelectorAll('th, td').forEach(function (c) {
                  if (c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1) {
                    problems.push(name + ': cell "' + c.textContent.slice(0, 50) + '" overflows it');
                  }
                });
              });
              var out = document.createElement('pre');
              out.id = 'clip-check';
              out.textContent = problems.length ? problems.join('\\n') : 'ok';
              document.body.appendChild(out);
            })();
            </script>
            """;
    /**
     * Writes, into the page, what the other checks read: per heatmap its legend's scale words (and
     * whether they lie inside the drawing) and each cell's tooltip with its fill as computed; per line
     * chart its axis titles (and whether they lie inside the drawing) and the series of its legend; per
     * atlas table its header and rows as rendered; the run's header; per step its badge and timing line;
     * the report's height.
     */
    private static final String FACTS = """
            <script>
            (function () {
              function inside(el, box) {
                var r = el.getBoundingClientRect();
                return r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
                    && r.bottom <= box.bottom + 1;
              }
              function texts(list) {
                return Array.from(list).map(function (t) { return {text: t.textContent, inside: inside(t, t.ownerSVGElement.getBoundingClientRect())}; });
              }
              // the report's height: where its main column ends (the checks' own output comes after it)
              var facts = {height: Math.ceil(document.querySelector('main').getBoundingClientRect().bottom + window.scrollY), heatmaps: [],
                lines: [], atlas: [], run: {}, steps: []};
              document.querySelectorAll('svg.chart.heatmap').forEach(function (svg) {
                facts.heatmaps.push({
                  title: svg.getAttribute('aria-label'),
                  scale: texts(svg.querySelectorAll('text.scale-kind')),
                  cells: Array.from(svg.querySelectorAll('rect.cell')).map(function (c) {
                    return {title: c.querySelector('title').textContent, fill: getComputedStyle(c).fill};
                  })
                });
              });
              document.querySelectorAll('svg.chart.line').forEach(function (svg) {
                var titles = Array.from(svg.querySelectorAll('text.axis-title'));
                facts.lines.push({
                  title: svg.getAttribute('aria-label'),
                  vertical: texts(titles.filter(function (t) { return (t.getAttribute('transform') || '').indexOf('rotate(-90') === 0; })),
                  horizontal: texts(titles.filter(function (t) { return t.getAttribute('text-anchor') === 'middle' && !t.getAttribute('transform'); })),
                  series: Array.from(svg.querySelectorAll('g.legend-row > title')).map(function (t) { return t.textContent; }),
                  drawn: svg.querySelectorAll('g.series polyline').length
                });
              });
              document.querySelectorAll('table.atlas').forEach(function (t) {
                var heading = t.previousElementSibling;
                facts.atlas.push({
                  protocol: heading ? heading.innerText : '',
                  header: Array.from(t.querySelectorAll('thead th')).map(function (c) { return c.innerText; }),
                  rows: Array.from(t.querySelectorAll('tbody tr')).map(function (r) {
                    return Array.from(r.children).map(function (c) { return c.innerText; });
                  })
                });
              });
              document.querySelectorAll('dl.run dt').forEach(function (dt) { facts.run[dt.innerText] = dt.nextElementSibling.innerText; });
              document.querySelectorAll('section.step').forEach(function (s) {
                var badge = s.querySelector('h2 .resumed');
                facts.steps.push({
                  id: s.querySelector('h2 code').innerText,
                  badge: badge ? badge.innerText : '',
                  badgeShown: !!badge && badge.getBoundingClientRect().width > 0,
                  timing: s.querySelector('p.timing').innerText
                });
              });
              var out = document.createElement('pre');
              out.id = 'facts';
              out.textContent = JSON.stringify(facts);
              document.body.appendChild(out);
            })();
            </script>
            """;
    private static final Pattern CLIPPED = Pattern.compile("<pre id=\"clip-check\">(.*?)</pre>", Pattern.DOTALL);
    private static final Pattern FACTS_OUT = Pattern.compile("<pre id=\"facts\">(.*?)</pre>", Pattern.DOTALL);
    private static final Path KEPT = Paths.get("target", "report-check");
    /** The words a heatmap legend states its scale in: {@link ColourScale#describe()}. */
    private static final Pattern SCALE_WORDS = Pattern.compile("linear scale|log scale|symmetric log scale, linear within ±\\S+");
    /** A heatmap cell's tooltip ends in its value: {@code family = copy, layer = 0: effect = 0.1234}. */
    private static final Pattern TOOLTIP_VALUE = Pattern.compile("= (\\S+)(?: \\(mean of \\d+ rows\\))?$");
    /** A colour difference (|Δr| + |Δg| + |Δb| of 0–255 channels) that a reader sees at a glance. */
    private static final int VISIBLE = 60;

    @TempDir
    static Path profile;

    static String browser;
    /** The sample report's page as Chromium left it, at a screen's width and at an A4 page's. */
    static String screen;
    static String page;

    @BeforeAll
    static void renderTheSampleReport() throws Exception {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (browser == null && Files.isExecutable(Paths.get(candidate))) {
                browser = candidate;
            }
        }
        if (browser == null) {
            throw new AssertionError("headless Chromium is needed to look at the rendered report and is missing: install it with"
                    + " 'apt-get install -y chromium' (.ci/run does)");
        }
        String html = HtmlReport.render(SampleResults.atlasStudy());
        Files.createDirectories(KEPT);
        Path report = KEPT.resolve("report.html");
        Files.writeString(report, html);
        Path probe = probe("report-probe.html", html);
        screen = chromium("--window-size=1280,2400", "--dump-dom", probe.toUri().toString());
        // an A4 page's printable width at 96 px per inch (210 mm less 2 × 10 mm margins)
        page = chromium("--window-size=718,2400", "--dump-dom", probe.toUri().toString());

        // the whole report in one screenshot, its charts included: a window as tall as the page
        Path screenshot = KEPT.resolve("report.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--window-size=1280," + facts(screen).get("height").getAsInt(), "--screenshot=" + screenshot, report.toUri().toString());
        System.out.println("report screenshot: " + screenshot);
    }

    @Test
    void everyTableOfTheReportIsShownInFullOnScreenAndOnAPrintedPage() {
        assertThat(clipped(screen)).as("tables cut off at a window of 1280 px").isEmpty();
        assertThat(clipped(page)).as("tables cut off at a window of 718 px").isEmpty();
    }

    @Test
    void everyHeatmapStatesItsScaleAndDrawsSmallEffectsInVisiblyDifferentColours() {
        JsonArray heatmaps = facts(screen).getAsJsonArray("heatmaps");
        assertThat(heatmapProblems(heatmaps)).isEmpty();
        // the sweep's, the metrics grid's and the contributions' (1e-5 to 0.9)
        assertThat(heatmaps).hasSize(3);
        JsonObject contributions = objects(heatmaps).stream().filter(h -> h.get("title").getAsString().startsWith("Contribution")).findFirst().orElseThrow();
        assertThat(contributions.getAsJsonArray("scale").get(0).getAsJsonObject().get("text").getAsString()).isEqualTo("log scale");
    }

    @Test
    void everyLineChartsVerticalAxisIsTitledWithOneQuantityAndCarriesOnlyItsUnit() {
        JsonArray lines = facts(screen).getAsJsonArray("lines");
        assertThat(lineProblems(lines)).isEmpty();
        // the sweep's effect by layer (six families, one unit), then the three metrics by condition, a panel each
        assertThat(lines).hasSize(4);
    }

    @Test
    void theAtlasShowsNoDeltaOnATextRowAndOneOnANumericRow() {
        JsonArray atlas = facts(screen).getAsJsonArray("atlas");
        assertThat(atlas).as("one atlas table per protocol").hasSize(2);
        assertThat(atlasProblems(atlas)).isEmpty();
    }

    @Test
    void theWallTimeCountsTheResumedStepsAsReused() {
        JsonObject facts = facts(screen);
        JsonObject run = facts.getAsJsonObject("run");
        // 93.6 s this run; the atlas (600 s) and per-prompt (75.2 s) steps were resumed: 675.2 s in earlier runs
        assertThat(run.get("Wall time").getAsString()).isEqualTo("1 min 34 s this run; 2 steps reused from earlier runs, which took 11 min 15 s");
        assertThat(run.get("Steps").getAsString()).isEqualTo("4 (2 resumed from stored results)");
        Map<String, String> timings = new LinkedHashMap<>();
        List<String> badged = new ArrayList<>();
        for (JsonObject step : objects(facts.getAsJsonArray("steps"))) {
            timings.put(step.get("id").getAsString(), step.get("timing").getAsString());
            if (step.get("badgeShown").getAsBoolean() && step.get("badge").getAsString().equals("resumed")) {
                badged.add(step.get("id").getAsString());
            }
        }
        assertThat(badged).as("the steps whose heading shows the 'resumed' badge").containsExactly("atlas", "per-prompt");
        assertThat(timings).containsOnlyKeys("atlas", "contributions", "layer-sweep", "per-prompt");
        assertThat(timings.get("atlas")).isEqualTo("Resumed: the stored result of an earlier run, which took 10 min 0 s, 1000 forward passes;"
                + " nothing ran this time");
        assertThat(timings.get("per-prompt")).startsWith("Resumed: the stored result of an earlier run, which took 1 min 15 s");
        assertThat(timings.get("contributions")).isEqualTo("Ran in 4.5 s, 12 forward passes");
        assertThat(timings.get("layer-sweep")).startsWith("Ran in 12.35 s");
    }

    @Test
    void theScreenshotIsKeptWhereCiCollectsItAndShowsTheWholeReport() throws IOException {
        Path screenshot = KEPT.resolve("report.png");
        assertThat(screenshot).isNotEmptyFile();
        byte[] bytes = Files.readAllBytes(screenshot);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).as("a PNG").isEqualTo("PNG");
        // the PNG header's IHDR chunk: width and height, big-endian, at bytes 16 and 20
        ByteBuffer size = ByteBuffer.wrap(bytes, 16, 8);
        int height = facts(screen).get("height").getAsInt();
        assertThat(new int[] {size.getInt(), size.getInt()}).as("the screenshot's size, for a report %d px tall", height)
                .containsExactly(1280, height);
        // the sample's 40-row atlas, charts and tables run far past a screen's height
        assertThat(height).isGreaterThan(5000);
        // a blank or error page at this size compresses to a few KiB (scripts/check-report.sh's bound)
        assertThat(bytes.length).isGreaterThan(20_000);
    }

    /** The checks are not blind: a table in a scroll box, metrics of three units on one axis and a Δ on a text row are each seen. */
    @Test
    void theChecksSeeTheRoughEdgesOfIssue19() throws Exception {
        String html = HtmlReport.render(SampleResults.atlasStudy(true))
                .replace("<table class=\"full flags\">", "<div style=\"overflow: auto; max-height: 120px\"><table class=\"full flags\">");
        String dom = chromium("--window-size=1280,2400", "--dump-dom", probe("rough-edges-probe.html", html).toUri().toString());
        assertThat(clipped(dom)).anySatisfy(p -> assertThat(p).contains("(full flags) sits in a div that shows"));
        JsonObject facts = facts(dom);
        assertThat(lineProblems(facts.getAsJsonArray("lines"))).anySatisfy(p -> assertThat(p)
                .contains("'Metrics by condition': the vertical axis is titled 'value', no one quantity"));
        assertThat(atlasProblems(facts.getAsJsonArray("atlas"))).anySatisfy(p -> assertThat(p)
                .isEqualTo("atlas (Protocol: published): the text row " + SampleResults.TEXT_ROW + " shows Δ 2.592e9"));
    }

    /**
     * Per heatmap: the legend states one scale, in words, inside the drawing; the scale is the one the
     * values call for (logarithmic where the nonzero magnitudes span two decades or more: symmetric when
     * some value is zero or negative); and where they span that much, the small effects (cells under 1%
     * of the largest magnitude) are not one colour, the smallest and the largest of them visibly apart.
     */
    static List<String> heatmapProblems(JsonArray heatmaps) {
        List<String> problems = new ArrayList<>();
        for (JsonObject heatmap : objects(heatmaps)) {
            String name = "heatmap '" + heatmap.get("title").getAsString() + "'";
            JsonArray scale = heatmap.getAsJsonArray("scale");
            if (scale.size() != 1) {
                problems.add(name + ": the legend states " + scale.size() + " colour scales, not one");
                continue;
            }
            String stated = scale.get(0).getAsJsonObject().get("text").getAsString();
            if (!SCALE_WORDS.matcher(stated).matches()) {
                problems.add(name + ": the legend's scale reads '" + stated + "', not linear, log or symmetric log");
            }
            if (!scale.get(0).getAsJsonObject().get("inside").getAsBoolean()) {
                problems.add(name + ": the legend's scale '" + stated + "' lies outside the drawing");
            }
            List<double[]> cells = new ArrayList<>(); // value, r, g, b
            for (JsonElement c : heatmap.getAsJsonArray("cells")) {
                Matcher m = TOOLTIP_VALUE.matcher(c.getAsJsonObject().get("title").getAsString());
                assertThat(m.find()).as("a value at the end of %s's tooltip %s", name, c).isTrue();
                if (m.group(1).matches("NaN|-?∞")) {
                    continue;
                }
                int[] rgb = rgb(c.getAsJsonObject().get("fill").getAsString());
                cells.add(new double[] {Double.parseDouble(m.group(1)), rgb[0], rgb[1], rgb[2]});
            }
            double smallest = cells.stream().mapToDouble(c -> Math.abs(c[0])).filter(v -> v > 0).min().orElse(0);
            double largest = cells.stream().mapToDouble(c -> Math.abs(c[0])).max().orElse(0);
            boolean wide = smallest > 0 && largest / smallest >= 100;
            String expected = !wide ? "linear scale" : cells.stream().allMatch(c -> c[0] > 0) ? "log scale" : "symmetric log scale";
            if (!stated.equals(expected) && !(expected.startsWith("symmetric") && stated.startsWith(expected + ","))) {
                problems.add(String.format(Locale.ROOT, "%s: values from %s to %s in magnitude call for a %s; the legend states '%s'",
                        name, smallest, largest, expected, stated));
            }
            if (!wide) {
                continue;
            }
            List<double[]> small = cells.stream().filter(c -> c[0] != 0 && Math.abs(c[0]) < largest / 100)
                    .sorted((a, b) -> Double.compare(Math.abs(a[0]), Math.abs(b[0]))).toList();
            Set<String> fills = new LinkedHashSet<>();
            small.forEach(c -> fills.add((int) c[1] + "," + (int) c[2] + "," + (int) c[3]));
            double[] low = small.get(0);
            double[] high = small.get(small.size() - 1);
            int apart = (int) (Math.abs(low[1] - high[1]) + Math.abs(low[2] - high[2]) + Math.abs(low[3] - high[3]));
            if (fills.size() < 2 || apart < VISIBLE) {
                problems.add(String.format(Locale.ROOT, "%s: the %d cells under 1%% of the largest value (%s to %s) are drawn in %d"
                        + " colours, the smallest and largest %d apart (a reader sees %d)", name, small.size(), low[0], high[0], fills.size(),
                        apart, VISIBLE));
            }
        }
        return problems;
    }

    /**
     * Per line chart: one vertical and one horizontal axis title, each inside the drawing; the vertical
     * one names a quantity of {@link SampleResults#UNITS} and every series of the legend measures in its
     * unit (a series named after a quantity in that quantity's, any other, such as a family, in the
     * axis's).
     */
    static List<String> lineProblems(JsonArray lines) {
        List<String> problems = new ArrayList<>();
        for (JsonObject line : objects(lines)) {
            String name = "line chart '" + line.get("title").getAsString() + "'";
            for (String axis : List.of("vertical", "horizontal")) {
                JsonArray titles = line.getAsJsonArray(axis);
                if (titles.size() != 1 || titles.get(0).getAsJsonObject().get("text").getAsString().isBlank()) {
                    problems.add(name + ": the " + axis + " axis has " + titles.size() + " titles, not one");
                } else if (!titles.get(0).getAsJsonObject().get("inside").getAsBoolean()) {
                    problems.add(name + ": the " + axis + " axis title lies outside the drawing");
                }
            }
            if (line.getAsJsonArray("vertical").size() != 1) {
                continue;
            }
            String quantity = line.getAsJsonArray("vertical").get(0).getAsJsonObject().get("text").getAsString();
            String unit = SampleResults.UNITS.get(quantity);
            if (unit == null) {
                problems.add(name + ": the vertical axis is titled '" + quantity + "', no one quantity with a unit");
            }
            Map<String, List<String>> byUnit = new LinkedHashMap<>();
            for (JsonElement s : line.getAsJsonArray("series")) {
                String series = s.getAsString();
                byUnit.computeIfAbsent(SampleResults.UNITS.getOrDefault(series, String.valueOf(unit)), k -> new ArrayList<>()).add(series);
            }
            if (byUnit.size() > 1 || unit != null && !byUnit.isEmpty() && !byUnit.containsKey(unit)) {
                problems.add(name + ": the vertical axis '" + quantity + "' carries series in " + byUnit.size() + " units: " + byUnit);
            }
            if (line.get("drawn").getAsInt() == 0) {
                problems.add(name + ": no line is drawn");
            }
        }
        return problems;
    }

    /**
     * Per atlas table: the text row {@link SampleResults#TEXT_ROW} shows no Δ, the numeric row {@link
     * SampleResults#NUMERIC_ROW} shows its Δ.
     */
    static List<String> atlasProblems(JsonArray atlas) {
        List<String> problems = new ArrayList<>();
        for (JsonObject table : objects(atlas)) {
            String name = "atlas (" + table.get("protocol").getAsString() + ")";
            List<String> header = table.getAsJsonArray("header").asList().stream().map(JsonElement::getAsString).toList();
            int measure = header.indexOf("Measure");
            int delta = header.indexOf("Δ");
            assertThat(measure).as("%s's header %s", name, header).isNotNegative();
            assertThat(delta).as("%s's header %s", name, header).isNotNegative();
            Map<String, String> deltas = new LinkedHashMap<>();
            for (JsonElement r : table.getAsJsonArray("rows")) {
                JsonArray cells = r.getAsJsonArray();
                deltas.put(cells.get(measure).getAsString(), cells.size() > delta ? cells.get(delta).getAsString().strip() : "");
            }
            if (!deltas.containsKey(SampleResults.TEXT_ROW) || !deltas.containsKey(SampleResults.NUMERIC_ROW)) {
                problems.add(name + ": the rows " + SampleResults.TEXT_ROW + " and " + SampleResults.NUMERIC_ROW + " are not both shown");
                continue;
            }
            if (!deltas.get(SampleResults.TEXT_ROW).isEmpty()) {
                problems.add(name + ": the text row " + SampleResults.TEXT_ROW + " shows Δ " + deltas.get(SampleResults.TEXT_ROW));
            }
            if (!deltas.get(SampleResults.NUMERIC_ROW).equals(SampleResults.NUMERIC_ROW_DELTA)) {
                problems.add(name + ": the numeric row " + SampleResults.NUMERIC_ROW + " shows Δ '" + deltas.get(SampleResults.NUMERIC_ROW)
                        + "', not " + SampleResults.NUMERIC_ROW_DELTA);
            }
        }
        return problems;
    }

    /** The page with both checking scripts, kept beside the report. */
    private static Path probe(String file, String html) throws IOException {
        Path probe = KEPT.resolve(file);
        Files.writeString(probe, html.replace("</body>", CHECK + FACTS + "</body>"));
        return probe;
    }

    private static List<String> clipped(String dom) {
        String text = written(CLIPPED, dom);
        return text.equals("ok") ? List.of() : List.of(text.split("\n"));
    }

    private static JsonObject facts(String dom) {
        return JsonParser.parseString(written(FACTS_OUT, dom)).getAsJsonObject();
    }

    /** What a check wrote into the page, as text. */
    private static String written(Pattern pre, String dom) {
        Matcher m = pre.matcher(dom);
        assertThat(m.find()).as("the check's output in the page Chromium dumped:%n%s", dom.length() > 2000 ? dom.substring(0, 2000) : dom)
                .isTrue();
        return m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&nbsp;", "\u00a0").replace("&amp;", "&");
    }

    private static List<JsonObject> objects(JsonArray array) {
        return array.asList().stream().map(JsonElement::getAsJsonObject).toList();
    }

    /** A computed fill, {@code rgb(68, 1, 84)}, as its three channels. */
    private static int[] rgb(String fill) {
        Matcher m = Pattern.compile("rgb\\((\\d+), (\\d+), (\\d+)\\)").matcher(fill);
        assertThat(m.matches()).as("a computed fill: %s", fill).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    private static String chromium(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(profile, "chromium", ".out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + command);
        }
        assertThat(p.exitValue()).as("chromium's exit code for %s", command).isZero();
        return Files.readString(out);
    }
}
