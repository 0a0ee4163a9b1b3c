package io.interp4j.runner.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitioningTest {
    /** Six requests of 1, 2, 3, 4, 5, 6 tokens: costs 1..6, 21 in all. */
    private static final ForwardPlan PLAN = new ForwardPlan(List.of(1, 2, 3, 4, 5, 6).stream()
            .map(n -> ForwardRequest.clean("a", new int[n])).toList());

    @Test
    void runsOfConsecutiveChunksOfAboutEqualCost() {
        List<int[]> chunks = List.of(new int[] {0, 1}, new int[] {2}, new int[] {3}, new int[] {4}, new int[] {5});
        // costs 3, 3, 4, 5, 6; shares of 21 / 2: the first partition takes chunks until it reaches 10.5 (3 + 3 + 4 + 5 = 15)
        assertThat(Partitioning.split(PLAN, chunks, 2)).containsExactly(new int[] {0, 1, 2, 3, 4}, new int[] {5});
        // thirds (7, 14): 3 + 3 + 4 = 10 >= 7; 10 + 5 = 15 >= 14; then 6
        assertThat(Partitioning.split(PLAN, chunks, 3)).containsExactly(new int[] {0, 1, 2, 3}, new int[] {4}, new int[] {5});
    }

    @Test
    void neverMorePartitionsThanChunksAndNeverAnEmptyOne() {
        List<int[]> chunks = List.of(new int[] {0, 1, 2}, new int[] {3, 4, 5});
        assertThat(Partitioning.split(PLAN, chunks, 8)).containsExactly(new int[] {0, 1, 2}, new int[] {3, 4, 5});
        assertThat(Partitioning.split(PLAN, chunks, 1)).containsExactly(new int[] {0, 1, 2, 3, 4, 5});
        // a cheap chunk before an expensive one still gets its own partition when partitions = chunks
        List<int[]> skewed = List.of(new int[] {5}, new int[] {0}, new int[] {1});
        assertThat(Partitioning.split(PLAN, skewed, 3)).containsExactly(new int[] {5}, new int[] {0}, new int[] {1});
    }

    @Test
    void atLeastOnePartition() {
        assertThatThrownBy(() -> Partitioning.split(PLAN, List.of(new int[] {0}), 0)).hasMessageContaining("at least 1");
    }
}
