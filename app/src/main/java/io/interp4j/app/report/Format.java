package io.interp4j.app.report;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** How both reports show values: compact numbers, durations, hashes, timing. */
final class Format {
    /** Rows of a table shown in a report; results.json has all of them. */
    static final int MAX_ROWS = 200;
    /** Hex characters of a file hash shown in a report. */
    static final int HASH_CHARS = 12;

    private static final MathContext FOUR_DIGITS = new MathContext(4);

    private Format() {}

    /**
     * A cell for display: integers in full, other numbers with up to 4 significant digits (plain between
     * 0.001 and 10000, scientific such as {@code 1.235e-5} outside), {@code ∞}, {@code -∞} and
     * {@code NaN} for non-finite values, the empty string for null.
     */
    static String cell(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Number n) {
            return number(n);
        }
        return value.toString();
    }

    static String number(Number n) {
        if (isIntegral(n)) {
            return n.toString();
        }
        return number(n.doubleValue());
    }

    static String number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "∞" : "-∞";
        }
        if (d == 0) {
            return "0";
        }
        double abs = Math.abs(d);
        if (abs >= 1e-3 && abs < 1e4) {
            return new BigDecimal(d).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
        }
        return scientific(d);
    }

    /** A finite, non-zero number as mantissa with up to 4 significant digits and exponent: 1.235e-5. */
    static String scientific(double d) {
        String s = String.format(Locale.ROOT, "%.3e", d);
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        int exponent = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + exponent;
    }

    /** The value as a double, or null when it is not a number. */
    static Double toDouble(Object value) {
        return value instanceof Number n ? n.doubleValue() : null;
    }

    static String seconds(double s) {
        if (!Double.isFinite(s)) {
            return number(s) + " s";
        }
        if (s < 60) {
            return number(Math.round(s * 100) / 100.0) + " s";
        }
        long total = Math.round(s);
        long h = total / 3600;
        long m = total % 3600 / 60;
        long sec = total % 60;
        return h > 0 ? h + " h " + m + " min " + sec + " s" : m + " min " + sec + " s";
    }

    /**
     * How long a step took and how many forward passes it ran, and where; a resumed step says that the
     * time and passes were spent by an earlier run, not this one.
     */
    static String timing(StepRecord step) {
        String s = seconds(step.seconds()) + ", " + plural(step.forwardPasses(), "forward pass", "forward passes")
                + (step.ranOn().isEmpty() ? "" : " on " + step.ranOn());
        return step.resumed() ? "Resumed: the stored result of an earlier run, which took " + s + "; nothing ran this time" : "Ran in " + s;
    }

    /**
     * The study's wall time, counting resumed steps as such: this run's time, and when steps were reused,
     * how many and how long they took in the runs that computed them.
     *
     * @param results the results
     * @return e.g. {@code 12 min 0 s this run; 3 steps reused from earlier runs, which took 40 min 0 s}
     */
    static String wallTime(StudyResults results) {
        List<StepRecord> resumed = results.steps().stream().filter(StepRecord::resumed).toList();
        if (resumed.isEmpty()) {
            return seconds(results.totalSeconds());
        }
        double earlier = resumed.stream().mapToDouble(StepRecord::seconds).sum();
        return seconds(results.totalSeconds()) + " this run; " + plural(resumed.size(), "step", "steps") + " reused from earlier runs, which took "
                + seconds(earlier);
    }

    /** Columns whose cells are all numbers or missing, aligned right. */
    static boolean[] numericColumns(Table table) {
        boolean[] numeric = new boolean[table.columns().size()];
        Arrays.fill(numeric, true);
        for (List<Object> row : table.rows()) {
            for (int c = 0; c < numeric.length; c++) {
                Object cell = row.get(c);
                if (cell != null && !(cell instanceof Number)) {
                    numeric[c] = false;
                }
            }
        }
        return numeric;
    }

    static String shortHash(String hash) {
        if (hash == null) {
            return "";
        }
        return hash.length() <= HASH_CHARS ? hash : hash.substring(0, HASH_CHARS);
    }

    static String chartKind(Chart chart) {
        return switch (chart.type()) {
            case HEATMAP -> "heatmap of " + chart.value() + " over " + chart.x() + " × " + chart.y();
            case LINE -> "lines of " + chart.value() + " over " + chart.x() + ", one per " + chart.y();
            case LINE_PER_SERIES -> "lines of " + chart.value() + " over " + chart.x() + ", one panel with its own axis per " + chart.y();
        };
    }

    static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Whether the number is of an integral type (written and shown as an integer). */
    static boolean isIntegral(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte || n instanceof BigInteger
                || n instanceof AtomicInteger || n instanceof AtomicLong;
    }
}
