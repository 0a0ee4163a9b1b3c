package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.experiments.atlas.AtlasRows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The atlas cells of one step, each to be checked once against an independent value: a row check
 * reads a cell, compares it, and the cell counts as verified; {@link #assertAllVerified()} then names
 * every cell that no check looked at, so a row that gains a number without a check fails the golden
 * test.
 */
public final class Ledger {
    /** One atlas cell: the value the report shows, its text and its interval. */
    public record Cell(String key, String protocol, String model, Object value, String display, Double ciLow, Double ciHigh) {
        /** @return {@code key/protocol/model} */
        public String name() {
            return key + "/" + protocol + "/" + model;
        }
    }

    private final String step;
    private final Map<String, Cell> cells = new LinkedHashMap<>();
    private final Set<String> verified = new LinkedHashSet<>();

    /**
     * Reads the atlas table of a step's result.
     *
     * @param step the step's id
     * @param result its result
     */
    public Ledger(String step, StepResult result) {
        this.step = step;
        StepResult.Table table = result.tables().stream().filter(t -> t.name().equals(AtlasRows.TABLE)).findFirst()
                .orElseThrow(() -> new AssertionError(step + ": no atlas table"));
        List<String> columns = table.columns();
        for (List<Object> row : table.rows()) {
            Cell cell = new Cell((String) row.get(columns.indexOf("key")), (String) row.get(columns.indexOf("protocol")),
                    (String) row.get(columns.indexOf("model")), row.get(columns.indexOf("value")), (String) row.get(columns.indexOf("display")),
                    toDouble(row.get(columns.indexOf("ci_low"))), toDouble(row.get(columns.indexOf("ci_high"))));
            assertThat(cells.put(cell.name(), cell)).as(step + ": atlas cell " + cell.name() + " twice").isNull();
        }
        assertThat(cells).as(step + ": atlas cells").isNotEmpty();
    }

    private static Double toDouble(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }

    /**
     * Returns a cell, not yet counting it as verified.
     *
     * @param key the atlas key
     * @param protocol published, corrected or both
     * @param model the model
     * @return the cell
     */
    public Cell cell(String key, String protocol, String model) {
        Cell cell = cells.get(key + "/" + protocol + "/" + model);
        if (cell == null) {
            throw new AssertionError(step + ": no atlas cell " + key + "/" + protocol + "/" + model + "; cells: " + cells.keySet());
        }
        return cell;
    }

    /**
     * Returns every cell.
     *
     * @return the cells in table order
     */
    public List<Cell> cells() {
        return new ArrayList<>(cells.values());
    }

    /**
     * Checks a numeric cell against an independent value.
     *
     * @param key the atlas key
     * @param protocol the protocol
     * @param model the model
     * @param expected the independent value
     * @param tolerance the largest allowed absolute difference
     */
    public void number(String key, String protocol, String model, double expected, double tolerance) {
        Cell cell = cell(key, protocol, model);
        assertThat(cell.value()).as(step + ": " + cell.name()).isInstanceOf(Number.class);
        assertThat(((Number) cell.value()).doubleValue()).as(step + ": " + cell.name() + " (" + cell.display() + ")")
                .isCloseTo(expected, within(tolerance));
        verified.add(cell.name());
    }

    /**
     * Checks a cell whose value is exact (an integer such as a layer index, or a text such as a token).
     *
     * @param key the atlas key
     * @param protocol the protocol
     * @param model the model
     * @param expected the independent value; numbers compare by value whatever their boxed type
     */
    public void exact(String key, String protocol, String model, Object expected) {
        Cell cell = cell(key, protocol, model);
        if (expected instanceof Number n) {
            assertThat(cell.value()).as(step + ": " + cell.name()).isInstanceOf(Number.class);
            assertThat(((Number) cell.value()).doubleValue()).as(step + ": " + cell.name() + " (" + cell.display() + ")")
                    .isEqualTo(n.doubleValue());
        } else {
            assertThat(cell.value()).as(step + ": " + cell.name() + " (" + cell.display() + ")").isEqualTo(expected);
        }
        verified.add(cell.name());
    }

    /**
     * Checks a cell by its displayed text (summaries, recipes, lists), where the value is that text or a
     * count that the text spells out.
     *
     * @param key the atlas key
     * @param protocol the protocol
     * @param model the model
     * @param expected the independent text
     */
    public void display(String key, String protocol, String model, String expected) {
        Cell cell = cell(key, protocol, model);
        assertThat(cell.display()).as(step + ": " + cell.name()).isEqualTo(expected);
        verified.add(cell.name());
    }

    /**
     * Checks a cell's displayed text: the independent text, then a suffix the row adds that no independent
     * computation reproduces (a bootstrap's selection frequency), matched by its pattern.
     *
     * @param key the atlas key
     * @param protocol the protocol
     * @param model the model
     * @param expected the independent text
     * @param suffix a regular expression for the rest
     */
    public void display(String key, String protocol, String model, String expected, String suffix) {
        Cell cell = cell(key, protocol, model);
        assertThat(cell.display()).as(step + ": " + cell.name()).startsWith(expected);
        assertThat(cell.display().substring(expected.length())).as(step + ": " + cell.name()).matches(suffix);
        verified.add(cell.name());
    }

    /**
     * Accepts a measured timing (tokens per second, speed-up of wall time), which no independent
     * computation can reproduce: it must be a positive finite number, and the reason is required.
     *
     * @param key the atlas key
     * @param protocol the protocol
     * @param model the model
     * @param why what the number measures
     */
    public void measured(String key, String protocol, String model, String why) {
        Cell cell = cell(key, protocol, model);
        assertThat(why).isNotBlank();
        assertThat(cell.value()).as(step + ": " + cell.name()).isInstanceOf(Number.class);
        double v = ((Number) cell.value()).doubleValue();
        assertThat(Double.isFinite(v) && v > 0).as(step + ": " + cell.name() + " = " + v + " is a positive timing").isTrue();
        verified.add(cell.name());
    }

    /** Fails naming every cell that no check verified. */
    public void assertAllVerified() {
        List<String> missing = cells.keySet().stream().filter(name -> !verified.contains(name)).toList();
        assertThat(missing).as(step + ": atlas cells no independent check looked at").isEmpty();
    }
}
