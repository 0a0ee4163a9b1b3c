package io.interp4j.app.report;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.cli.AtomicOutput;
import io.interp4j.app.study.StudyResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a study's {@value #RESULTS_JSON}, {@value #REPORT_MD} and {@value #REPORT_HTML} into a
 * directory. Each file is written to a temporary file beside it and moved over its name atomically, so
 * that a run killed midway leaves the previous complete file, or none, never a partial one.
 */
public final class ReportWriter {
    /** Every number of the study ({@link ResultsJson}). */
    public static final String RESULTS_JSON = "results.json";
    /** The report for reading as text or on a forge ({@link MarkdownReport}). */
    public static final String REPORT_MD = "report.md";
    /** The report with charts, one self-contained file ({@link HtmlReport}). */
    public static final String REPORT_HTML = "report.html";

    private ReportWriter() {}

    /** The format ids a study may choose, in the order they are written. */
    public static final Set<String> FORMATS = Collections.unmodifiableSet(new LinkedHashSet<>(List.of("json", "md", "html")));

    private static final Map<String, String> FILES = Map.of("json", RESULTS_JSON, "md", REPORT_MD, "html", REPORT_HTML);

    /**
     * Writes all three files, creating the directory when needed.
     *
     * @param directory the output directory
     * @param results the results
     * @return the files written: results.json, report.md, report.html
     * @throws Interp4jException ({@link ErrorCode#IO_ERROR}) when a file cannot be written
     */
    public static List<Path> write(Path directory, StudyResults results) {
        return write(directory, results, FORMATS);
    }

    /**
     * Writes the chosen files, creating the directory when needed.
     *
     * @param directory the output directory
     * @param results the results
     * @param formats which files: {@code json} (results.json), {@code md} (report.md), {@code html}
     *     (report.html)
     * @return the files written, in the order json, md, html
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) for an unknown format, before
     *     anything is written; ({@link ErrorCode#IO_ERROR}) when a file cannot be written
     */
    public static List<Path> write(Path directory, StudyResults results, Set<String> formats) {
        for (String format : formats) {
            if (!FORMATS.contains(format)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown report format '" + format + "'; allowed: " + FORMATS);
            }
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot create output directory " + directory + ": " + e.getMessage(), e);
        }
        List<Path> written = new ArrayList<>();
        for (String format : FORMATS) {
            if (!formats.contains(format)) {
                continue;
            }
            Path file = directory.resolve(FILES.get(format));
            switch (format) {
                case "json" -> AtomicOutput.write(file, w -> ResultsJson.write(results, w));
                case "md" -> AtomicOutput.write(file, w -> w.write(MarkdownReport.render(results)));
                default -> AtomicOutput.write(file, w -> w.write(HtmlReport.render(results)));
            }
            written.add(file);
        }
        return List.copyOf(written);
    }
}
