package io.interp4j.api.experiment;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a step produced: tables of numbers, charts over those tables, headline values, and which of its
 * tables make up its part of the study's headline table.
 *
 * @param tables the tables
 * @param charts charts, each reading one table
 * @param summary headline values by name (numbers or strings), e.g. {@code hub-layer}
 * @param headline which tables hold the step's rows of the study's headline table and its flags; empty
 *     for a step that contributes none
 * @since 0.1
 */
@Stable
public record StepResult(List<Table> tables, List<Chart> charts, Map<String, Object> summary, Optional<Headline> headline) {
    /** Checks that charts and the headline read existing tables and columns, and copies everything. */
    public StepResult {
        tables = List.copyOf(requireNonNull(tables, "tables is null"));
        charts = List.copyOf(requireNonNull(charts, "charts is null"));
        summary = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(summary, "summary is null")));
        requireNonNull(headline, "headline is null");
        Set<String> names = new HashSet<>();
        for (Table table : tables) {
            if (!names.add(table.name())) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "two tables are named '" + table.name() + "'; names are unique within a step");
            }
        }
        if (headline.isPresent()) {
            headline.get().check(tables);
        }
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
     * A result without a headline part.
     *
     * @param tables the tables
     * @param charts charts, each reading one table
     * @param summary headline values by name
     */
    public StepResult(List<Table> tables, List<Chart> charts, Map<String, Object> summary) {
        this(tables, charts, summary, Optional.empty());
    }

    /**
     * Returns this result with its tables' roles in the headline table.
     *
     * @param headline which tables are the step's headline rows and flags
     * @return the result
     * @throws Interp4jException when a table the headline names is missing or has other columns
     * @since 0.3
     */
    public StepResult withHeadline(Headline headline) {
        return new StepResult(tables, charts, summary, Optional.of(headline));
    }

    /**
     * Returns this result with other summary values (the tables, charts and headline kept).
     *
     * @param values the summary values
     * @return the result
     * @since 0.3
     */
    public StepResult withSummary(Map<String, Object> values) {
        return new StepResult(tables, charts, values, headline);
    }

    /**
     * Returns this result with flags added to its headline's flag table, which is created (named
     * {@value Headline#FLAGS}, a headline of flags only) when the step has none.
     *
     * @param rows the flags, each as {@link Headline#FLAG_COLUMNS}
     * @return the result
     * @since 0.3
     */
    public StepResult withFlags(List<List<Object>> rows) {
        Headline h = headline.orElseGet(() -> new Headline(null, uniqueName(Headline.FLAGS), null, null));
        List<Table> out = new ArrayList<>();
        boolean added = false;
        for (Table table : tables) {
            if (table.name().equals(h.flags())) {
                List<List<Object>> all = new ArrayList<>(table.rows());
                all.addAll(rows);
                out.add(new Table(table.name(), table.columns(), all));
                added = true;
            } else {
                out.add(table);
            }
        }
        if (!added) {
            out.add(new Table(h.flags(), Headline.FLAG_COLUMNS, rows));
        }
        return new StepResult(out, charts, summary, Optional.of(h));
    }

    private String uniqueName(String name) {
        String candidate = name;
        for (int i = 2; table(candidate).isPresent(); i++) {
            candidate = name + "-" + i;
        }
        return candidate;
    }

    /**
     * Returns a table by name.
     *
     * @param name the table's name
     * @return the table, if the step has one of that name
     * @since 0.3
     */
    public Optional<Table> table(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * Which of a step's tables make up its part of the study's headline table (the seed-style
     * "Dimension | model A | model B | Δ" comparison the report assembles from every step), each in a
     * fixed shape. The report and the study find these tables through this value, never by a table
     * name; the names below are what interp4j's own experiments call them.
     *
     * <ul>
     *   <li>{@code table}: {@link #COLUMNS}, one row per (headline number, protocol, model);
     *       {@code protocol} is {@code published}, {@code corrected} or {@code both}; {@code key} is
     *       stable (e.g. {@code universal-hub.layer}); {@code display} is how the table shows the value;
     *       the interval is a 95% interval where the protocol computes one, else null.
     *   <li>{@code flags}: {@link #FLAG_COLUMNS}; where the protocols disagree, which artefacts were
     *       seen, which interventions did nothing.
     *   <li>{@code deltas}: {@link #DELTA_COLUMNS}; the difference last model − first model of a
     *       numeric row with its 95% interval, {@code paired} or {@code unpaired}.
     *   <li>{@code tests}: {@link #TEST_COLUMNS}; tests whose p-values the report adjusts together
     *       across the study, each with its {@code hypothesis}: {@value #PUBLISHED_EQUALS_CORRECTED}
     *       ("the published number is what the corrected protocol measures", two-sided; flagged where
     *       it is rejected) or {@value #VECTOR_NOT_ABOVE_CONTROL} ("the vector does no better than its
     *       random controls", one-sided; flagged where it is not rejected). Tests written before the
     *       hypothesis column ({@link #TEST_COLUMNS_BEFORE_HYPOTHESIS}) are all published versus
     *       corrected and are still read.
     * </ul>
     *
     * @param table the name of the table of headline numbers; null for a step that reports flags only
     * @param flags the name of the table of flags
     * @param deltas the name of the table of differences between models, which a step may leave out when
     *     it has none; null when the step never writes one
     * @param tests the name of the table of tests, which a step may leave out
     *     when it tested nothing; null when the step never writes one
     * @since 0.3
     */
    public record Headline(String table, String flags, String deltas, String tests) {
        /** What interp4j's experiments name the table of headline numbers. */
        public static final String TABLE = "atlas";
        /** What interp4j's experiments name the table of flags. */
        public static final String FLAGS = "atlas-flags";
        /** What interp4j's experiments name the table of differences between models. */
        public static final String DELTAS = "atlas-deltas";
        /** What interp4j's experiments name the table of tests. */
        public static final String TESTS = "atlas-tests";
        /** The columns of the table of headline numbers. */
        public static final List<String> COLUMNS = List.of("dimension", "key", "protocol", "model", "value", "display", "ci_low", "ci_high");
        /** The columns of the table of flags; {@code kind} is e.g. {@code disagreement} or {@code artefact}. */
        public static final List<String> FLAG_COLUMNS = List.of("dimension", "protocol", "model", "kind", "message");
        /** The columns of the table of differences; {@code pairing} is {@code paired} or {@code unpaired}. */
        public static final List<String> DELTA_COLUMNS = List.of("dimension", "key", "protocol", "model_a", "model_b", "delta", "ci_low",
                "ci_high", "pairing");
        /** The columns of the table of tests. */
        public static final List<String> TEST_COLUMNS = List.of("dimension", "key", "model", "published", "corrected", "ci_low", "ci_high",
                "p_value", "message", "hypothesis");
        /** The columns of a table of tests written before the {@code hypothesis} column: every test published versus corrected. */
        public static final List<String> TEST_COLUMNS_BEFORE_HYPOTHESIS = TEST_COLUMNS.subList(0, TEST_COLUMNS.size() - 1);
        /** The {@code hypothesis} of a two-sided published-versus-corrected test. */
        public static final String PUBLISHED_EQUALS_CORRECTED = "published-equals-corrected";
        /** The {@code hypothesis} of a one-sided vector-versus-control test. */
        public static final String VECTOR_NOT_ABOVE_CONTROL = "vector-not-above-control";

        /** Checks that the flag table is named and that no two roles name the same table. */
        public Headline {
            requireNonNull(flags, "flags is null");
            List<String> named = new ArrayList<>();
            for (String name : Arrays.asList(table, flags, deltas, tests)) {
                if (name != null && named.contains(name)) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "headline: table '" + name + "' is named for two roles");
                }
                named.add(name);
            }
        }

        /**
         * The headline of a step that writes the tables interp4j's experiments write, by their names.
         *
         * @return {@value #TABLE}, {@value #FLAGS}, {@value #DELTAS} and {@value #TESTS}
         */
        public static Headline standard() {
            return new Headline(TABLE, FLAGS, DELTAS, TESTS);
        }

        /**
         * Returns the table of headline numbers.
         *
         * @param result the step's result
         * @return the table; empty for a step that reports flags only
         */
        public Optional<Table> table(StepResult result) {
            return table == null ? Optional.empty() : result.table(table);
        }

        /**
         * Returns the table of flags.
         *
         * @param result the step's result
         * @return the table
         */
        public Table flags(StepResult result) {
            return result.table(flags).orElseThrow();
        }

        /**
         * Returns the table of differences between models.
         *
         * @param result the step's result
         * @return the table, if the step has one
         */
        public Optional<Table> deltas(StepResult result) {
            return deltas == null ? Optional.empty() : result.table(deltas);
        }

        /**
         * Returns the table of tests.
         *
         * @param result the step's result
         * @return the table, if the step has one
         */
        public Optional<Table> tests(StepResult result) {
            return tests == null ? Optional.empty() : result.table(tests);
        }

        private void check(List<Table> tables) {
            check(tables, "table", table, List.of(COLUMNS), true);
            check(tables, "flags", flags, List.of(FLAG_COLUMNS), true);
            check(tables, "deltas", deltas, List.of(DELTA_COLUMNS), false);
            check(tables, "tests", tests, List.of(TEST_COLUMNS, TEST_COLUMNS_BEFORE_HYPOTHESIS), false);
        }

        /**
         * Tells whether a table has the columns of a table of tests, as written now or before the
         * {@code hypothesis} column.
         *
         * @param columns a table's columns
         * @return whether they are {@link #TEST_COLUMNS} or {@link #TEST_COLUMNS_BEFORE_HYPOTHESIS}
         */
        public static boolean testColumns(List<String> columns) {
            return columns.equals(TEST_COLUMNS) || columns.equals(TEST_COLUMNS_BEFORE_HYPOTHESIS);
        }

        private static void check(List<Table> tables, String role, String name, List<List<String>> columns, boolean required) {
            if (name == null) {
                return;
            }
            Optional<Table> named = tables.stream().filter(t -> t.name().equals(name)).findFirst();
            if (named.isEmpty() && !required) {
                return;
            }
            Table found = named.orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, "headline " + role
                    + ": the step has no table '" + name + "'; its tables: " + tables.stream().map(Table::name).toList()));
            if (!columns.contains(found.columns())) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "headline " + role + ": table '" + name + "' has columns "
                        + found.columns() + "; allowed: " + columns.stream().map(List::toString).collect(Collectors.joining(" or ")));
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
