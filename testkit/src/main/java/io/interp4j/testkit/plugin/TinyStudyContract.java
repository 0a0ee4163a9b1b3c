package io.interp4j.testkit.plugin;

import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plugin.PluginFactory;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin contract whose behaviour tests run on a {@link TinyStudy}, one per test class.
 *
 * @param <F> the factory type of the kind
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TinyStudyContract<F extends PluginFactory<?>> extends PluginContract<F> {
    /** The study the behaviour tests run on. */
    protected TinyStudy study;

    /**
     * Returns the executor of forward plans the study runs; empty (the default) for plugins that run
     * none. Tests inside the repository give {@code new Planner(PlannerOptions.DEFAULTS)}.
     *
     * @return the executor
     */
    protected Optional<PlanExecutor> executor() {
        return Optional.empty();
    }

    @BeforeAll
    void writeStudy(@TempDir Path studyDir) {
        study = executor().map(e -> new TinyStudy(studyDir, e)).orElseGet(() -> new TinyStudy(studyDir));
    }

    @AfterAll
    void closeStudy() {
        if (study != null) {
            study.close();
        }
    }
}
