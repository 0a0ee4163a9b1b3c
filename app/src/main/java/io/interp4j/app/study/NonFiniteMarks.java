package io.interp4j.app.study;

import io.interp4j.api.experiment.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Marks a step whose numbers are not all finite: its summary gains {@value #LOGITS} (how many of the
 * step's planned forwards produced NaN or infinite logits) and {@value #CELLS} (how many table cells
 * are NaN or infinite, the first few named as {@code table[row].column}), which results.json and the
 * reports show with the step.
 */
final class NonFiniteMarks {
    /** The summary key counting forwards with non-finite logits. */
    static final String LOGITS = "non-finite logits";
    /** The summary key naming non-finite cells. */
    static final String CELLS = "non-finite cells";

    private static final int NAMED = 8;

    private NonFiniteMarks() {}

    /** Returns the result with the marks added, or the result itself when everything is finite. */
    static StepResult mark(StepResult result, long badForwards, long forwards) {
        long count = 0;
        List<String> named = new ArrayList<>();
        for (StepResult.Table table : result.tables()) {
            for (int r = 0; r < table.rows().size(); r++) {
                List<Object> row = table.rows().get(r);
                for (int c = 0; c < row.size(); c++) {
                    if (row.get(c) instanceof Number n && !Double.isFinite(n.doubleValue())) {
                        if (count++ < NAMED) {
                            named.add(table.name() + "[" + r + "]." + table.columns().get(c) + " = " + n);
                        }
                    }
                }
            }
        }
        if (count == 0 && badForwards == 0) {
            return result;
        }
        Map<String, Object> summary = new LinkedHashMap<>(result.summary());
        if (badForwards > 0) {
            summary.put(LOGITS, badForwards + " of " + forwards + " planned forwards produced NaN or infinite logits");
        }
        if (count > 0) {
            summary.put(CELLS, count + " cells are NaN or infinite: " + String.join(", ", named) + (count > NAMED ? ", …" : ""));
        }
        return result.withSummary(summary);
    }
}
