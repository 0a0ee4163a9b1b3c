package io.interp4j.app.study;

import io.interp4j.api.experiment.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one step on the terminal: done/total forward passes, percent, rate and ETA. On a
 * console the line is redrawn in place; otherwise a line is printed every few seconds.
 */
final class ConsoleProgress implements Progress {
    private static final long REDRAW_NANOS = 250_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean console;
    private final long started = System.nanoTime();
    private long done;
    private long lastPrint;

    ConsoleProgress(PrintStream out, String label, long total, boolean console) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.console = console;
    }

    @Override
    public synchronized void advance(long forwardPasses) {
        done += forwardPasses;
        long now = System.nanoTime();
        if (now - lastPrint >= (console ? REDRAW_NANOS : LINE_NANOS)) {
            lastPrint = now;
            print(now, false);
        }
    }

    synchronized void finish() {
        print(System.nanoTime(), true);
    }

    private void print(long now, boolean last) {
        double seconds = (now - started) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        long remaining = Math.max(total - done, 0);
        String eta = last ? "done in " + clock(seconds) : "ETA " + (done == 0 ? "?" : clock(remaining / rate));
        String line = String.format(Locale.ROOT, "%s  %d/%d forward passes  %3.0f%%  %.1f/s  %s",
                label, Math.min(done, total), total, 100.0 * Math.min(done, total) / total, rate, eta);
        if (console) {
            out.print("\r" + line + "   " + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
