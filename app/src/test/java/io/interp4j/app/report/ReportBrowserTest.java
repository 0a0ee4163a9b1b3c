package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Looks at a rendered report in headless Chromium: every table is laid out in full, at a screen's width
 * and at a printed page's, with no table wider than the page, inside a box that scrolls or clips it,
 * or holding a cell whose text overflows its column. The browser measures the layout itself (a script
 * run on a copy of the page reports every such element, read back with {@code --dump-dom}); the
 * screenshot and the page are kept under {@code app/target/report-check/} for CI's artefacts.
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
    private static final Pattern RESULT = Pattern.compile("<pre id=\"clip-check\">(.*?)</pre>", Pattern.DOTALL);
    private static final Path KEPT = Paths.get("target", "report-check");

    @TempDir
    static Path profile;

    static String browser;

    @BeforeAll
    static void findChromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Paths.get(candidate))) {
                browser = candidate;
                return;
            }
        }
        throw new AssertionError("headless Chromium is needed to look at the rendered report and is missing: install it with"
                + " 'apt-get install -y chromium' (.ci/run does)");
    }

    @Test
    void everyTableOfTheReportIsShownInFullOnScreenAndOnAPrintedPage() throws Exception {
        String html = HtmlReport.render(SampleResults.atlasStudy());
        Files.createDirectories(KEPT);
        Path page = KEPT.resolve("report.html");
        Files.writeString(page, html);
        Path probe = KEPT.resolve("report-probe.html");
        Files.writeString(probe, html.replace("</body>", CHECK + "</body>"));

        Path screenshot = KEPT.resolve("report.png").toAbsolutePath();
        chromium("--window-size=1280,2400", "--screenshot=" + screenshot, page.toUri().toString());
        assertThat(screenshot).isNotEmptyFile();
        System.out.println("report screenshot: " + screenshot);

        // a screen, and an A4 page's printable width at 96 px per inch (210 mm less 2 × 10 mm margins)
        for (String window : List.of("1280,2400", "718,2400")) {
            String dom = chromium("--window-size=" + window, "--dump-dom", probe.toUri().toString());
            assertThat(problems(dom)).as("tables cut off at a window of %s px", window).isEmpty();
        }
    }

    @Test
    void theCheckSeesATableCutOffByAScrollBox() throws Exception {
        String html = HtmlReport.render(SampleResults.atlasStudy())
                .replace("<table class=\"full flags\">", "<div style=\"overflow: auto; max-height: 120px\"><table class=\"full flags\">");
        Files.createDirectories(KEPT);
        Path probe = KEPT.resolve("clipped-probe.html");
        Files.writeString(probe, html.replace("</body>", CHECK + "</body>"));
        String dom = chromium("--window-size=1280,2400", "--dump-dom", probe.toUri().toString());
        assertThat(problems(dom)).anySatisfy(p -> assertThat(p).contains("(full flags) sits in a div that shows"));
    }

    private static List<String> problems(String dom) {
        Matcher m = RESULT.matcher(dom);
        assertThat(m.find()).as("the check's output in the page Chromium dumped:%n%s", dom.length() > 2000 ? dom.substring(0, 2000) : dom)
                .isTrue();
        String text = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
        return text.equals("ok") ? List.of() : List.of(text.split("\n"));
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
