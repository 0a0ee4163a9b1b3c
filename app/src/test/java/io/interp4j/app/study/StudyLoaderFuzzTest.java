package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.inject.Guice;
import com.google.inject.Stage;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz tests of the study loader (HOCON, includes, substitutions, every step's validation). Property:
 * every input is either accepted, with a study name that is one folder name, or rejected with the
 * project's exception (an {@link io.interp4j.api.Interp4jException} listing the problems); never another exception or a
 * hang. {@link #study} mutates the file's bytes (seeds in {@code StudyLoaderFuzzTestInputs/study/}: a
 * valid study and the HOCON and naming cases of issue #15); {@link #structuredStudy} writes well-formed
 * studies from the real grammar ({@link FuzzedStudy}), so that it reaches what byte mutation rarely
 * does: a registered experiment's settings, and the plugins they name, holding a value of another type
 * (seeds in {@code StudyLoaderFuzzTestInputs/structuredStudy/}).
 */
class StudyLoaderFuzzTest {
    private static final Path DIR;
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final StudyLoader LOADER;
    private static final FuzzedStudy GRAMMAR;

    static {
        try {
            DIR = Files.createTempDirectory("interp4j-fuzz-study");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DIR.toFile().deleteOnExit();
        // the repository's root (tests run in the module's folder) holds the committed organisms and toy suites
        GRAMMAR = new FuzzedStudy(REGISTRY, ConfigFactory.defaultReference(), Path.of("..").toAbsolutePath().normalize().toString());
        LOADER = Guice.createInjector(Stage.PRODUCTION, new StudyModule(REGISTRY)).getInstance(StudyLoader.class);
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS) // each seed, and a whole fuzzing run; per input while fuzzing: junit-platform.properties
    @FuzzTest(maxDuration = "5s")
    void study(byte[] data) throws IOException {
        check(Files.write(DIR.resolve("fuzz.conf"), data));
    }

    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "5s")
    void structuredStudy(FuzzedDataProvider data) throws IOException {
        FuzzedStudy.Written written = GRAMMAR.write(data);
        Files.writeString(DIR.resolve(FuzzedStudy.INCLUDED), written.included());
        check(Files.writeString(DIR.resolve("structured.conf"), written.study()));
    }

    private static void check(Path file) {
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
