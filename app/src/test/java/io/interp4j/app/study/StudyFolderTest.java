package io.interp4j.app.study;

import static io.interp4j.app.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.app.Cli.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyFolderTest {
    @TempDir
    Path dir;

    /** Holds a study folder's lock in its own process until killed: {@code java ... StudyFolderTest$Holder DIR}. */
    public static final class Holder {
        private Holder() {}

        public static void main(String[] args) throws InterruptedException {
            try (StudyFolder folder = StudyFolder.lock(Path.of(args[0]))) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            }
        }
    }

    @Test
    void aSecondProcessIsStoppedNamingTheHolder() throws Exception {
        Path out = dir.resolve("out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(), out.toString()))
                .redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("locked");
            Path study = dir.resolve("s.conf");
            Files.writeString(study, """
                    study {
                      models { main { path = "models/tiny", create { seed = 2, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } } }
                      suites { main { builtin = families-mini } }
                      steps = [ { id = lens, experiment = probe } ]
                    }
                    """);
            Result r = run("study", study.toString(), "--out", out.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains(out + ": another study is writing this folder (held by process " + holder.pid() + "@");
            assertThat(dir.resolve("models")).doesNotExist();
            assertThat(out.resolve("results.json")).doesNotExist();
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        // the lock ends with its process; the folder, marked by the lock file, is the study's to use
        try (StudyFolder folder = StudyFolder.lock(out)) {
            assertThat(Files.readString(out.resolve(StudyFolder.LOCK_FILE))).startsWith(ProcessHandle.current().pid() + "@");
        }
    }

    @Test
    void aFolderOfOtherFilesOrAFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> StudyFolder.lock(file)).isInstanceOf(Interp4jException.class).hasMessageContaining("is not a directory");
        Path old = Files.createDirectories(dir.resolve("old").resolve("steps"));
        try (StudyFolder folder = StudyFolder.lock(old.getParent())) {
            assertThat(old.getParent().resolve(StudyFolder.LOCK_FILE)).exists();
        }
    }
}
