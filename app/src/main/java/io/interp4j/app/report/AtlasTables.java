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
    /** The table of tests (published versus corrected, vector versus control), adjusted together by the report. */
    public static final String TESTS = "atlas-tests";
    /** The {@code hypothesis} of a one-sided vector-versus-control test in {@value #TESTS}; any other is published versus corrected. */
    public static final String VECTOR_NOT_ABOVE_CONTROL = "vector-not-above-control";

    private AtlasTables() {}
}
