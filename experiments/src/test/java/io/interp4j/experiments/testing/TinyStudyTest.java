package io.interp4j.experiments.testing;

import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.testkit.study.TinyStudy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** A test class sharing one {@link TinyStudy}, written into its static temporary directory. */
public abstract class TinyStudyTest {
    /** The config path of the step under test. */
    protected static final String P = TinyStudy.PATH;

    @TempDir
    static Path studyDir;

    /** The study. */
    protected static TinyStudy study;

    @BeforeAll
    static void writeStudy() {
        study = new TinyStudy(studyDir, new Planner(PlannerOptions.DEFAULTS));
    }

    @AfterAll
    static void closeStudy() {
        study.close();
    }
}
