package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.inject.Guice;
import com.google.inject.Stage;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz test of the study loader (HOCON, includes, substitutions, every step's validation). Property:
 * every input is either accepted, with a study name that is one folder name, or rejected with the
 * project's exception (an {@link io.interp4j.api.Interp4jException} listing the problems); never another exception or a
 * hang. Seeds in {@code StudyLoaderFuzzTestInputs/study/}: a valid study and the HOCON and naming
 * cases of issue #15.
 */
class StudyLoaderFuzzTest {
    private static final Path DIR;
    private static final StudyLoader LOADER;

    static {
        try {
            DIR = Files.createTempDirectory("interp4j-fuzz-study");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DIR.toFile().deleteOnExit();
        LOADER = Guice.createInjector(Stage.PRODUCTION, new StudyModule(PluginRegistry.discover())).getInstance(StudyLoader.class);
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void study(byte[] data) throws IOException {
        Path file = Files.write(DIR.resolve("fuzz.conf"), data);
        StudyLoader.Loaded loaded;
        try {
            loaded = LOADER.load(file);
        } catch (Interp4jException e) {
            return;
        }
        assertThat(StudyLoader.isFolderName(loaded.plan().name())).as(loaded.plan().name()).isTrue();
        assertThat(Path.of("out").resolve(loaded.plan().name()).normalize().getParent()).isEqualTo(Path.of("out"));
    }
}
