package io.interp4j.app.report;

import static io.interp4j.app.report.JsonValues.malformed;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Headline;
import io.interp4j.api.experiment.StepResult.Table;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@link StepResult} as JSON, the form in which a study stores each finished step and resumes
 * from it:
 *
 * <pre>{@code
 * {
 *   "tables": [{"name": "effects", "columns": ["layer", "family", "effect"],
 *               "rows": [[0, "copy", 0.25], [1, "copy", "NaN"]]}],
 *   "charts": [{"title": "...", "type": "HEATMAP", "table": "effects", "x": "layer", "y": "family", "value": "effect"}],
 *   "summary": {"hub-layer": 3, "best": "copy"},
 *   "headline": {"table": "atlas", "flags": "atlas-flags", "deltas": "atlas-deltas", "tests": null}
 * }
 * }</pre>
 *
 * <p>{@code headline} ({@link Headline}) is written only for a step that has one. Results written before
 * it existed (interp4j 0.2) have none; for them the reader takes the tables those versions' atlas steps
 * wrote, {@value Headline#TABLE} and {@value Headline#FLAGS} (with {@value Headline#DELTAS} and
 * {@value Headline#TESTS}) in their fixed columns, as the headline, so that the report of an old study
 * folder still shows its comparison table.
 *
 * <p>Cells and summary values follow {@link JsonValues}: strict JSON, every double written so that it
 * reads back identical, non-finite doubles as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}, integral numbers read back as {@code Long}, other numbers as {@code Double}.
 * Reading back what was written gives an equal {@code StepResult} except for those number types. Each
 * table row is written on one line.
 */
public final class StepResultJson {
    private StepResultJson() {}

    /**
     * Serialises a result.
     *
     * @param result the result
     * @return its JSON text
     */
    public static String toJson(StepResult result) {
        StringWriter out = new StringWriter();
        try {
            write(result, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Writes a result as JSON, followed by a newline.
     *
     * @param result the result
     * @param out the target
     * @throws IOException when writing fails
     */
    public static void write(StepResult result, Writer out) throws IOException {
        JsonWriter w = JsonValues.writer(out, true);
        write(w, result);
        w.flush();
        out.write('\n');
    }

    /**
     * Parses what {@link #toJson} wrote.
     *
     * @param json the JSON text
     * @return the result
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when the text is not a step result
     */
    public static StepResult fromJson(String json) {
        try {
            return read(new StringReader(json));
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "malformed step result JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads what {@link #write} wrote; nothing but white space may follow.
     *
     * @param in the source
     * @return the result
     * @throws IOException when reading fails or the JSON is malformed
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when the JSON is not a step result
     */
    public static StepResult read(Reader in) throws IOException {
        JsonReader r = JsonValues.reader(in);
        try {
            StepResult result = read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw malformed(r, "unexpected content after the step result");
            }
            return result;
        } catch (IllegalStateException e) {
            // JsonReader's complaint about an unexpected token
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "malformed step result JSON: " + e.getMessage(), e);
        }
    }

    static void write(JsonWriter w, StepResult result) throws IOException {
        w.beginObject();
        w.name("tables").beginArray();
        for (Table table : result.tables()) {
            w.beginObject();
            w.name("name").value(table.name());
            w.name("columns").beginArray();
            for (String column : table.columns()) {
                w.value(column);
            }
            w.endArray();
            w.name("rows").beginArray();
            for (List<Object> row : table.rows()) {
                w.jsonValue(JsonValues.compactRow(row));
            }
            w.endArray();
            w.endObject();
        }
        w.endArray();
        w.name("charts").beginArray();
        for (Chart chart : result.charts()) {
            w.beginObject();
            w.name("title").value(chart.title());
            w.name("type").value(chart.type().name());
            w.name("table").value(chart.table());
            w.name("x").value(chart.x());
            w.name("y").value(chart.y());
            w.name("value").value(chart.value());
            w.endObject();
        }
        w.endArray();
        w.name("summary").beginObject();
        for (Map.Entry<String, Object> e : result.summary().entrySet()) {
            w.name(e.getKey());
            JsonValues.writeValue(w, e.getValue());
        }
        w.endObject();
        if (result.headline().isPresent()) {
            Headline h = result.headline().get();
            w.name("headline").beginObject();
            w.name("table").value(h.table());
            w.name("flags").value(h.flags());
            w.name("deltas").value(h.deltas());
            w.name("tests").value(h.tests());
            w.endObject();
        }
        w.endObject();
    }

    static StepResult read(JsonReader r) throws IOException {
        List<Table> tables = null;
        List<Chart> charts = null;
        Map<String, Object> summary = null;
        Headline headline = null;
        boolean hasHeadline = false;
        r.beginObject();
        while (r.hasNext()) {
            String name = r.nextName();
            switch (name) {
                case "tables" -> tables = readTables(r);
                case "charts" -> charts = readCharts(r);
                case "summary" -> {
                    summary = new LinkedHashMap<>();
                    r.beginObject();
                    while (r.hasNext()) {
                        summary.put(r.nextName(), JsonValues.readValue(r));
                    }
                    r.endObject();
                }
                case "headline" -> {
                    headline = readHeadline(r);
                    hasHeadline = true;
                }
                default -> throw malformed(r, "unknown key '" + name + "' in a step result; allowed: tables, charts, summary, headline");
            }
        }
        r.endObject();
        if (tables == null || charts == null || summary == null) {
            throw malformed(r, "a step result needs tables, charts and summary");
        }
        Optional<Headline> found = hasHeadline ? Optional.of(headline) : legacyHeadline(tables);
        try {
            return new StepResult(tables, charts, summary, found);
        } catch (Interp4jException e) {
            throw malformed(r, e.getMessage());
        }
    }

    private static Headline readHeadline(JsonReader r) throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (!List.of("table", "flags", "deltas", "tests").contains(key)) {
                throw malformed(r, "unknown key '" + key + "' in a step's headline; allowed: table, flags, deltas, tests");
            }
            if (r.peek() == JsonToken.NULL) {
                r.nextNull();
                names.put(key, null);
            } else {
                names.put(key, r.nextString());
            }
        }
        r.endObject();
        if (names.get("flags") == null) {
            throw malformed(r, "a step's headline needs flags, the name of its table of flags");
        }
        return new Headline(names.get("table"), names.get("flags"), names.get("deltas"), names.get("tests"));
    }

    /** The headline of a result written before results recorded it: the tables 0.2's atlas steps wrote, by name and columns. */
    private static Optional<Headline> legacyHeadline(List<Table> tables) {
        boolean table = has(tables, Headline.TABLE, Headline.COLUMNS);
        if (!has(tables, Headline.FLAGS, Headline.FLAG_COLUMNS)) {
            return Optional.empty();
        }
        return Optional.of(new Headline(table ? Headline.TABLE : null, Headline.FLAGS,
                has(tables, Headline.DELTAS, Headline.DELTA_COLUMNS) ? Headline.DELTAS : null,
                tables.stream().anyMatch(t -> t.name().equals(Headline.TESTS) && Headline.testColumns(t.columns())) ? Headline.TESTS : null));
    }

    private static boolean has(List<Table> tables, String name, List<String> columns) {
        return tables.stream().anyMatch(t -> t.name().equals(name) && t.columns().equals(columns));
    }

    private static List<Table> readTables(JsonReader r) throws IOException {
        List<Table> tables = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            String name = null;
            List<String> columns = null;
            List<List<Object>> rows = null;
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "name" -> name = r.nextString();
                    case "columns" -> {
                        columns = new ArrayList<>();
                        r.beginArray();
                        while (r.hasNext()) {
                            columns.add(r.nextString());
                        }
                        r.endArray();
                    }
                    case "rows" -> {
                        rows = new ArrayList<>();
                        r.beginArray();
                        while (r.hasNext()) {
                            List<Object> row = new ArrayList<>();
                            r.beginArray();
                            while (r.hasNext()) {
                                row.add(JsonValues.readValue(r));
                            }
                            r.endArray();
                            rows.add(row);
                        }
                        r.endArray();
                    }
                    default -> throw malformed(r, "unknown key '" + key + "' in a table; allowed: name, columns, rows");
                }
            }
            r.endObject();
            if (name == null || columns == null || rows == null) {
                throw malformed(r, "a table needs name, columns and rows");
            }
            tables.add(new Table(name, columns, rows));
        }
        r.endArray();
        return tables;
    }

    private static List<Chart> readCharts(JsonReader r) throws IOException {
        List<Chart> charts = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            Map<String, String> fields = new LinkedHashMap<>();
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (!List.of("title", "type", "table", "x", "y", "value").contains(key)) {
                    throw malformed(r, "unknown key '" + key + "' in a chart; allowed: title, type, table, x, y, value");
                }
                fields.put(key, r.nextString());
            }
            r.endObject();
            if (fields.size() != 6) {
                throw malformed(r, "a chart needs title, type, table, x, y and value; found " + fields.keySet());
            }
            ChartType type;
            try {
                type = ChartType.valueOf(fields.get("type"));
            } catch (IllegalArgumentException e) {
                throw malformed(r, "unknown chart type '" + fields.get("type") + "'; allowed: " + List.of(ChartType.values()));
            }
            charts.add(new Chart(fields.get("title"), type, fields.get("table"), fields.get("x"), fields.get("y"), fields.get("value")));
        }
        r.endArray();
        return charts;
    }
}
