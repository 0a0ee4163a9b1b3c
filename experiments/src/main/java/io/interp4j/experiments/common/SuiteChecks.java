package io.interp4j.experiments.common;

import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The validation messages about a step's suite and split, worded once for every experiment. */
public final class SuiteChecks {
    private SuiteChecks() {}

    /**
     * Checks that the study has a suite.
     *
     * @param context the study
     * @param path the setting's full config path, e.g. {@code study.steps[2].settings.suite}
     * @param suite the suite's name
     * @return the problem, naming the study's suites, if it has none of that name (or, when the study
     *     declares the suite but could not read it, where that problem is reported)
     */
    public static Optional<Problem> unknownSuite(StudyContext context, String path, String suite) {
        if (context.suiteNames().contains(suite)) {
            return Optional.empty();
        }
        Optional<String> unreadable = context.unreadableSuite(suite);
        if (unreadable.isPresent()) {
            return Optional.of(new Problem(path, "suite '" + suite + "' is declared but could not be read; see " + unreadable.get()));
        }
        return Optional.of(new Problem(path, "unknown suite '" + suite + "'; the study's suites: " + new TreeSet<>(context.suiteNames())));
    }

    /**
     * Words the problem of a split that selects nothing, listing the suite's splits.
     *
     * @param context the study, which has the suite
     * @param path the split setting's full config path
     * @param suite the suite's name
     * @param split the split asked for
     * @return the problem
     */
    public static Problem emptySplit(StudyContext context, String path, String suite, String split) {
        Set<String> splits = new TreeSet<>();
        context.suite(suite).tasks().forEach(t -> splits.add(t.split()));
        return new Problem(path, "split '" + split + "' selects no task of suite '" + suite + "'; its splits: all, " + String.join(", ", splits));
    }
}
