package io.interp4j.api.experiment;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a step produced: tables of numbers, charts over those tables, and headline values.
 *
 * @param tables the tables
 * @param charts charts, each reading one table
 * @param summary headline values by name (numbers or strings), e.g. {@code hub-layer}
 * @since 0.1
 */
@Stable
public record StepResult(List<Table> tables, List<Chart> charts, Map<String, Object> summary) {
    /** Checks that charts read existing tables and columns, and copies everything. */
    public StepResult {
        tables = List.copyOf(requireNonNull(tables, "tables is null"));
        charts = List.copyOf(requireNonNull(charts, "charts is null"));
        summary = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(summary, "summary is null")));
        for (Chart chart : charts) {
            Table table = tables.stream().filter(t -> t.name().equals(chart.table())).findFirst().orElseThrow(() ->
                    new Interp4jException(ErrorCode.INVALID_ARGUMENT, "chart '" + chart.title() + "' reads unknown table '" + chart.table() + "'"));
            for (String column : List.of(chart.x(), chart.y(), chart.value())) {
                if (!table.columns().contains(column)) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "chart '" + chart.title() + "' reads unknown column '"
                            + column + "' of table '" + table.name() + "'; columns: " + table.columns());
                }
            }
        }
    }

    /**
     * A table: named columns and rows of numbers or strings ({@code null} for missing).
     *
     * @param name the table's name, unique within the step
     * @param columns the column names
     * @param rows the rows, each as long as the columns
     */
    public record Table(String name, List<String> columns, List<List<Object>> rows) {
        /** Checks row widths and cell types, and copies. */
        public Table {
            requireNonNull(name, "name is null");
            columns = List.copyOf(requireNonNull(columns, "columns is null"));
            List<List<Object>> copy = new ArrayList<>();
            for (List<Object> row : requireNonNull(rows, "rows is null")) {
                if (row.size() != columns.size()) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "table '" + name + "': a row has " + row.size()
                            + " cells for " + columns.size() + " columns");
                }
                for (Object cell : row) {
                    if (cell != null && !(cell instanceof Number) && !(cell instanceof String) && !(cell instanceof Boolean)) {
                        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "table '" + name + "': cell of type "
                                + cell.getClass().getName() + "; allowed: numbers, strings, booleans, null");
                    }
                }
                copy.add(Collections.unmodifiableList(new ArrayList<>(row)));
            }
            rows = List.copyOf(copy);
        }
    }

    /** Kinds of chart. */
    public enum ChartType {
        /** A grid: x and y are categories, the value sets the colour. */
        HEATMAP,
        /** Lines: x is the axis, y names the series, the value is the height; every series shares one unit. */
        LINE,
        /**
         * Lines whose series measure different quantities (a KL in nats beside an overlap fraction): as
         * {@link #LINE}, but each series is drawn on its own vertical axis, so no axis mixes units.
         *
         * @since 0.1
         */
        LINE_PER_SERIES
    }

    /**
     * A chart over a table.
     *
     * @param title the title
     * @param type the kind
     * @param table the table's name
     * @param x the column on the horizontal axis
     * @param y the column on the vertical axis (heatmap) or naming the series (line)
     * @param value the column holding the numbers
     */
    public record Chart(String title, ChartType type, String table, String x, String y, String value) {
        /** Checks the fields. */
        public Chart {
            requireNonNull(title, "title is null");
            requireNonNull(type, "type is null");
            requireNonNull(table, "table is null");
            requireNonNull(x, "x is null");
            requireNonNull(y, "y is null");
            requireNonNull(value, "value is null");
        }
    }
}
