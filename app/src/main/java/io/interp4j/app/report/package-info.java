/**
 * A study's outputs: {@code results.json} with every number ({@link io.interp4j.app.report.ResultsJson}),
 * the per-step result files a study resumes from ({@link io.interp4j.app.report.StepResultJson}), and
 * the reports {@code report.md} and {@code report.html} ({@link io.interp4j.app.report.MarkdownReport},
 * {@link io.interp4j.app.report.HtmlReport}), written atomically by {@link
 * io.interp4j.app.report.ReportWriter}.
 */
package io.interp4j.app.report;
