package io.interp4j.app.report;

import java.util.List;

/**
 * The names and columns of the two tables atlas steps return and the report assembles (the atlas rows
 * write them, and the tests it adjusts, through {@code io.interp4j.experiments.atlas.AtlasRows}, which the app is not compiled
 * against): what the report reads and what the study adds to a step's flags.
 */
public final class AtlasTables {
    /** The table of headline numbers. */
    public static final String TABLE = "atlas";
    /** The table of flags. */
    public static final String FLAGS = "atlas-flags";
    /** The columns of {@value #FLAGS}. */
    public static final List<String> FLAG_COLUMNS = List.of("dimension", "protocol", "model", "kind", "message");
    /** The table of differences between models with their intervals. */
    public static final String DELTAS = "atlas-deltas";
    /** The table of published-versus-corrected tests, adjusted together by the report. */
    public static final String TESTS = "atlas-tests";

    private AtlasTables() {}
}
