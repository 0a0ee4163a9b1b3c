package io.interp4j.experiments.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.TaskSuites;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed study configs and suites, read as the app reads them, for tests that run a row with their settings. */
public final class StudyFiles {
    /** The repository root, seen from a module's directory (where surefire runs). */
    private static final Path ROOT = Path.of("..");

    private StudyFiles() {}

    /**
     * Returns a row's settings as a study file gives them ({@code interp4j.experiment."<id>"}), with its
     * includes, rendered as HOCON for {@link Steps#create}.
     *
     * @param study the study file under {@code studies/}, e.g. {@code atlas-qwen.conf}
     * @param id the experiment id
     * @return the settings, empty when the file sets none
     */
    public static String rowSettings(String study, String id) {
        Path file = ROOT.resolve("studies").resolve(study);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no study file " + file.toAbsolutePath());
        }
        Config config = ConfigFactory.parseFile(file.toFile());
        String path = "interp4j.experiment.\"" + id + "\"";
        return config.hasPath(path) ? config.getConfig(path).root().render(ConfigRenderOptions.concise()) : "";
    }

    /**
     * Returns a row's settings as a study file gives them, under settings of the test's own (which win).
     *
     * @param study the study file under {@code studies/}
     * @param id the experiment id
     * @param hocon the test's settings, e.g. {@code models = [a, b]}
     * @return the merged settings as HOCON
     */
    public static String rowSettings(String study, String id, String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseString(rowSettings(study, id))).root()
                .render(ConfigRenderOptions.concise());
    }

    /**
     * Reads a committed suite.
     *
     * @param dir the folder under {@code suites/}, e.g. {@code qwen}
     * @param name the suite, e.g. {@code steering}
     * @return the suite, named {@code name}
     */
    public static TaskSuite suite(String dir, String name) {
        return TaskSuites.read(name, ROOT.resolve("suites").resolve(dir).resolve(name + ".jsonl"));
    }
}
