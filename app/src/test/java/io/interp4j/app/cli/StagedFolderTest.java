package io.interp4j.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedFolderTest {
    @TempDir
    Path dir;

    private String[] names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void nothingAppearsUnderTheFinalNameUntilCommitted() throws IOException {
        Path target = dir.resolve("adapter");
        try (StagedFolder staged = StagedFolder.create(target, false)) {
            Files.writeString(staged.path().resolve("a.json"), "{}");
            assertThat(target).doesNotExist();
            assertThat(staged.path().getFileName().toString()).startsWith(".adapter.partial-");
            staged.commit();
        }
        assertThat(target.resolve("a.json")).hasContent("{}");
        assertThat(names()).containsExactly("adapter");
    }

    @Test
    void aFailureBeforeTheCommitLeavesNothing() {
        Path target = dir.resolve("adapter");
        assertThatThrownBy(() -> {
            try (StagedFolder staged = StagedFolder.create(target, false)) {
                Files.writeString(staged.path().resolve("half.safetensors"), "half");
                throw new IllegalStateException("killed");
            }
        }).hasMessage("killed");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void anExistingTargetIsRefusedOrFilledFileByFile() throws IOException {
        Path target = Files.createDirectories(dir.resolve("suites"));
        Files.writeString(target.resolve("old.jsonl"), "old");
        Files.writeString(target.resolve("kept.txt"), "kept");
        assertThatThrownBy(() -> StagedFolder.create(target, false)).isInstanceOf(UsageException.class).hasMessageContaining("exists");
        try (StagedFolder staged = StagedFolder.create(target, true)) {
            Files.writeString(staged.path().resolve("old.jsonl"), "new");
            staged.commit();
        }
        assertThat(target.resolve("old.jsonl")).hasContent("new");
        assertThat(target.resolve("kept.txt")).hasContent("kept");
        assertThat(names()).containsExactly("suites");
    }

    @Test
    void aFileIsNotAFolderToFill() throws IOException {
        Path file = Files.writeString(dir.resolve("out"), "x");
        assertThatThrownBy(() -> StagedFolder.create(file, true)).isInstanceOf(UsageException.class).hasMessageContaining("not a directory");
    }
}
