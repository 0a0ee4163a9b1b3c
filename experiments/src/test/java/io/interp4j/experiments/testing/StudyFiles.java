package io.interp4j.experiments.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.TaskSuites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

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
     * Returns a row's {@code per-model} settings as a study file gives them, for other model names and
     * without the keys a test must set itself (e.g. a layer the test's models do not have).
     *
     * @param study the study file under {@code studies/}
     * @param id the experiment id
     * @param names the study file's model names to the test's, e.g. {@code a} to {@code small}
     * @param without keys left out of every model's settings
     * @return {@code per-model { ... }} as HOCON
     */
    public static String perModel(String study, String id, Map<String, String> names, Set<String> without) {
        Config perModel = ConfigFactory.parseString(rowSettings(study, id)).getConfig("per-model");
        Config out = ConfigFactory.empty();
        for (Map.Entry<String, String> name : names.entrySet()) {
            Config settings = perModel.getConfig(name.getKey());
            for (String key : without) {
                settings = settings.withoutPath(key);
            }
            out = out.withValue(name.getValue(), settings.root());
        }
        return "per-model " + out.root().render(ConfigRenderOptions.concise());
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
