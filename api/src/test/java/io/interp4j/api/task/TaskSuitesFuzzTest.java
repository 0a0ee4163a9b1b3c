package io.interp4j.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz tests of task-suite files (JSON Lines and JSON arrays). Property: every input is rejected with
 * {@link Interp4jException}, or accepted with exactly the tasks an independent parse (Typesafe
 * Config's JSON parser) finds, field for field; never another exception or a hang. Seeds in {@code
 * TaskSuitesFuzzTestInputs/<method>/}.
 */
class TaskSuitesFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("interp4j-fuzz-suites");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DIR.toFile().deleteOnExit();
    }

    private static ConfigObject parse(String json) {
        return ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).root();
    }

    private static void check(String fileName, byte[] data, boolean lines) {
        Path file;
        try {
            file = Files.write(DIR.resolve(fileName), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TaskSuite suite;
        try {
            suite = TaskSuites.read("fuzz", file);
        } catch (Interp4jException e) {
            return;
        }
        String text = new String(data, StandardCharsets.UTF_8);
        List<ConfigObject> expected = new ArrayList<>();
        if (lines) {
            for (String line : text.split("\n", -1)) {
                if (!line.isBlank()) {
                    expected.add(parse(line));
                }
            }
        } else {
            // an array at the top level: wrap it, as Typesafe Config parses objects only
            ConfigList items = (ConfigList) parse("{\"items\": " + text + "}").get("items");
            for (ConfigValue item : items) {
                expected.add((ConfigObject) item);
            }
        }
        assertThat(suite.tasks()).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            Task task = suite.tasks().get(i);
            ConfigObject o = expected.get(i);
            assertThat(task.id()).isEqualTo(o.get("id").unwrapped());
            assertThat(task.family()).isEqualTo(o.get("family").unwrapped());
            assertThat(task.prompt()).isEqualTo(o.get("prompt").unwrapped());
            assertThat(task.target()).isEqualTo(o.get("target").unwrapped());
            Object split = o.containsKey("split") ? o.get("split").unwrapped() : null;
            assertThat(task.split()).isEqualTo(split == null ? "test" : split);
        }
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void jsonl(byte[] data) {
        check("suite.jsonl", data, true);
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void json(byte[] data) {
        check("suite.json", data, false);
    }
}
