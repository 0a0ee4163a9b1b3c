package io.interp4j.app.report;

import static io.interp4j.app.report.SampleResults.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.Headline;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepResultJsonTest {
    static final double[] DOUBLES = {0.1, 1.0 / 3, -0.0, 0.0, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -123456789.123456789, 1e22,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    static StepResult everyKind() {
        Table numbers = new Table("numbers", List.of("i", "d"), java.util.stream.IntStream.range(0, DOUBLES.length)
                .mapToObj(i -> row(i, DOUBLES[i])).toList());
        Table mixed = new Table("mixed", List.of("a", "b", "c", "d"), List.of(
                row(null, true, "text with \"quotes\", \\ and \n newline", Long.MAX_VALUE),
                row("NaN", false, "Infinity", Long.MIN_VALUE),
                row("-Infinity", null, "", 0),
                row("ünïcödé ∞ 😀", "<script>alert(1)</script>", "\u2028", -7)));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("hub-layer", 13);
        summary.put("ratio", 0.75);
        summary.put("nan", Double.NaN);
        summary.put("inf", Double.NEGATIVE_INFINITY);
        summary.put("name", "copy");
        summary.put("missing", null);
        summary.put("flag", true);
        summary.put("literal-nan", "NaN");
        return new StepResult(List.of(numbers, mixed), List.of(
                new Chart("heat", ChartType.HEATMAP, "numbers", "i", "i", "d"),
                new Chart("line", ChartType.LINE, "mixed", "a", "b", "d")), summary);
    }

    /** What everyKind() reads back as: integers are Long, everything else equal. */
    static StepResult everyKindAsRead() {
        StepResult r = everyKind();
        Table numbers = new Table("numbers", List.of("i", "d"), java.util.stream.IntStream.range(0, DOUBLES.length)
                .mapToObj(i -> row((long) i, DOUBLES[i])).toList());
        Table mixed = new Table("mixed", List.of("a", "b", "c", "d"), List.of(
                row(null, true, "text with \"quotes\", \\ and \n newline", Long.MAX_VALUE),
                row("NaN", false, "Infinity", Long.MIN_VALUE),
                row("-Infinity", null, "", 0L),
                row("ünïcödé ∞ 😀", "<script>alert(1)</script>", "\u2028", -7L)));
        Map<String, Object> summary = new LinkedHashMap<>(r.summary());
        summary.put("hub-layer", 13L);
        return new StepResult(List.of(numbers, mixed), r.charts(), summary);
    }

    @Test
    void roundTripsEveryKindOfValueExactly() {
        String json = StepResultJson.toJson(everyKind());
        StepResult back = StepResultJson.fromJson(json);

        assertThat(back).isEqualTo(everyKindAsRead());
        // bit-exact doubles, -0.0 and NaN included (List.equals uses Double.equals, which compares bits)
        for (int i = 0; i < DOUBLES.length; i++) {
            Object cell = back.tables().get(0).rows().get(i).get(1);
            assertThat(cell).isInstanceOf(Double.class);
            assertThat(Double.doubleToRawLongBits((Double) cell)).isEqualTo(Double.doubleToRawLongBits(DOUBLES[i]));
        }
        assertThat(back.tables().get(1).rows().get(1).get(0)).isEqualTo("NaN").isInstanceOf(String.class);
        assertThat(back.summary().get("literal-nan")).isEqualTo("NaN");
        assertThat(back.summary().get("nan")).isEqualTo(Double.NaN);
        assertThat(back.summary()).containsEntry("missing", null);
        assertThat(List.copyOf(back.summary().keySet())).isEqualTo(List.copyOf(everyKind().summary().keySet()));
        // and once more: the second trip gives the same text
        assertThat(StepResultJson.toJson(back)).isEqualTo(json);
    }

    @Test
    void writesStrictJsonWithNonFiniteAsStrings() throws IOException {
        String json = StepResultJson.toJson(everyKind());

        JsonReader strict = new JsonReader(new StringReader(json));
        strict.setStrictness(Strictness.STRICT);
        JsonElement tree = JsonParser.parseReader(strict);
        assertThat(tree.isJsonObject()).isTrue();
        assertThat(json).contains("[9,\"NaN\"]").contains("\"Infinity\"").contains("\"-Infinity\"")
                .contains("{\"text\":\"NaN\"}").contains("1.0E-300");
        assertThat(json).doesNotContain(":NaN").doesNotContain(",NaN").doesNotContain("[NaN");
        // a row a line
        assertThat(json).contains("\n        [0,0.1],\n");
    }

    @Test
    void writesIntegersAsIntegersAndFloatsAsTheirShortDecimal() {
        StepResult r = new StepResult(List.of(new Table("t", List.of("a", "b", "c", "d"),
                List.of(row(3, 3.0, 0.1f, new BigInteger("123456789012345678901234567890"))))), List.of(), Map.of());

        String json = StepResultJson.toJson(r);

        assertThat(json).contains("[3,3.0,0.1,123456789012345678901234567890]");
        assertThat(StepResultJson.fromJson(json).tables().get(0).rows().get(0))
                .containsExactly(3L, 3.0, 0.1, 1.2345678901234568E29);
    }

    @Test
    void rejectsWhatIsNotAStepResult() {
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[]}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("tables, charts and summary");
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{},\"extra\":1}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown key 'extra'");
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{\"x\":NaN}}"))
                .isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":{},\"charts\":[],\"summary\":{}}"))
                .isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{}} []"))
                .isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[{\"title\":\"t\",\"type\":\"PIE\",\"table\":\"x\","
                + "\"x\":\"a\",\"y\":\"b\",\"value\":\"c\"}],\"summary\":{}}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown chart type 'PIE'");
    }

    private static StepResult atlasStep() {
        return new StepResult(List.of(new Table("atlas", Headline.COLUMNS, List.of(row("Hub", "hub.layer", "both", "a", 2L, "L2", null, null))),
                new Table("atlas-flags", Headline.FLAG_COLUMNS, List.of(row("Hub", "both", "a", "artefact", "flat"))),
                new Table("other", List.of("x"), List.of(row(1L)))), List.of(), Map.of()).withHeadline(Headline.standard());
    }

    @Test
    void roundTripsTheHeadline() {
        StepResult atlas = atlasStep();
        String json = StepResultJson.toJson(atlas);
        assertThat(json).contains("\"headline\"").contains("\"tests\": \"atlas-tests\"");
        assertThat(StepResultJson.fromJson(json)).isEqualTo(atlas);
        StepResult flagsOnly = new StepResult(List.of(new Table("renamed", List.of("x"), List.of())), List.of(), Map.of())
                .withFlags(List.of(row("sweep", "both", "m", "inert-intervention", "did nothing")));
        assertThat(flagsOnly.headline()).contains(new Headline(null, Headline.FLAGS, null, null));
        assertThat(StepResultJson.fromJson(StepResultJson.toJson(flagsOnly))).isEqualTo(flagsOnly);
        assertThat(StepResultJson.fromJson(StepResultJson.toJson(everyKind())).headline()).isEmpty();
    }

    /** A results.json step written before 0.3 has no headline key: its atlas tables, found by name and columns, are the headline. */
    @Test
    void readsTheHeadlineOfAResultWrittenBeforeItWasRecorded() {
        StepResult atlas = atlasStep();
        String old = StepResultJson.toJson(new StepResult(atlas.tables(), atlas.charts(), atlas.summary()));
        assertThat(old).doesNotContain("headline");
        assertThat(StepResultJson.fromJson(old).headline()).contains(new Headline("atlas", "atlas-flags", null, null));
        // a table of that name in other columns is no headline
        String unrelated = StepResultJson.toJson(new StepResult(List.of(new Table("atlas-flags", List.of("x"), List.of())), List.of(), Map.of()));
        assertThat(StepResultJson.fromJson(unrelated).headline()).isEmpty();
    }

    /**
     * Tests tables of a step written before the headline was recorded: with the hypothesis column (as steps wrote just
     * before) and without it (every test published versus corrected, as steps wrote before that); both are the headline's
     * tests, a table of that name in other columns is not.
     */
    @Test
    void readsTheTestsOfAResultWrittenBeforeTheHeadlineWithOrWithoutTheHypothesisColumn() {
        Table flags = new Table(Headline.FLAGS, Headline.FLAG_COLUMNS, List.of());
        List<Object> test = row("MLP dominance", "mlp.share", "a", 0.4, 1.0, 0.9, 1.1, 0.01, "ratio differs at a");
        List<Object> withHypothesis = new java.util.ArrayList<>(test);
        withHypothesis.add(Headline.PUBLISHED_EQUALS_CORRECTED);
        for (Table tests : List.of(new Table(Headline.TESTS, Headline.TEST_COLUMNS, List.of(withHypothesis)),
                new Table(Headline.TESTS, Headline.TEST_COLUMNS_BEFORE_HYPOTHESIS, List.of(test)))) {
            StepResult read = StepResultJson.fromJson(StepResultJson.toJson(new StepResult(List.of(flags, tests), List.of(), Map.of())));
            assertThat(read.headline()).as(tests.columns().toString()).contains(new Headline(null, Headline.FLAGS, null, Headline.TESTS));
            assertThat(read.headline().orElseThrow().tests(read)).contains(tests);
        }
        Table other = new Table(Headline.TESTS, List.of("dimension", "p_value"), List.of());
        StepResult read = StepResultJson.fromJson(StepResultJson.toJson(new StepResult(List.of(flags, other), List.of(), Map.of())));
        assertThat(read.headline()).contains(new Headline(null, Headline.FLAGS, null, null));
    }

    @Test
    void rejectsAHeadlineThatNamesNoTableOrAnUnknownRole() {
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{},\"headline\":{\"flags\":\"f\"}}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("the step has no table 'f'");
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{},\"headline\":{\"chart\":\"f\"}}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown key 'chart' in a step's headline");
        assertThatThrownBy(() -> StepResultJson.fromJson("{\"tables\":[],\"charts\":[],\"summary\":{},\"headline\":{\"table\":null}}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("needs flags");
    }
}
