package io.interp4j.experiments.atlas;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.lora.AtlasSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PublishedPromptsTest {
    /** Six tasks of three families, interleaved: x at 0, 2, 4; y at 1, 5; z at 3. */
    private static final List<Task> TASKS = List.of(task("x0", "x"), task("y0", "y"), task("x1", "x"), task("z0", "z"), task("x2", "x"),
            task("y1", "y"));

    private static Task task(String id, String family) {
        return new Task(id, family, "prompt " + id, " t", Optional.empty(), Optional.empty(), "test", Map.of());
    }

    private static PublishedPrompts of(List<String> families, int perFamily) {
        return new PublishedPrompts(new AtlasSettings.Names(PublishedPrompts.FAMILIES, families), perFamily);
    }

    @Test
    void allIsEveryTaskByFamilyInOrderOfFirstAppearance() {
        assertThat(PublishedPrompts.ALL.all()).isTrue();
        assertThat(PublishedPrompts.ALL.select(TASKS)).isDeepEqualTo(new int[][] {{0, 2, 4}, {1, 5}, {3}});
    }

    @Test
    void theFirstTasksOfEachFamilyInSuiteOrder() {
        assertThat(of(List.of(), 2).select(TASKS)).isDeepEqualTo(new int[][] {{0, 2}, {1, 5}, {3}});
        assertThat(of(List.of(), 1).select(TASKS)).isDeepEqualTo(new int[][] {{0}, {1}, {3}});
        assertThat(of(List.of(), 1).all()).isFalse();
    }

    @Test
    void chosenFamiliesInTheOrderWritten() {
        assertThat(of(List.of("z", "x"), 1).select(TASKS)).isDeepEqualTo(new int[][] {{3}, {0}});
        // a family with fewer tasks than asked gives them all
        assertThat(of(List.of("y"), 5).select(TASKS)).isDeepEqualTo(new int[][] {{1, 5}});
        assertThat(of(List.of("x", "y"), 0).select(TASKS)).isDeepEqualTo(new int[][] {{0, 2, 4}, {1, 5}});
    }

    @Test
    void describesTheSelection() {
        assertThat(PublishedPrompts.ALL.describe()).isEqualTo("every prompt of every family");
        assertThat(of(List.of("z", "x"), 1).describe()).isEqualTo("the first 1 prompt(s) of families [z, x]");
    }
}
