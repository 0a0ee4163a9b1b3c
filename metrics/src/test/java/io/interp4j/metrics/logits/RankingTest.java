package io.interp4j.metrics.logits;

import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.plugin.TensorData;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RankingTest {
    @Test
    void topKOfAKnownRowBestFirstTiesByLowerId() {
        TensorData logits = rows(of(2, 7, 7, -1, 5));
        assertThat(Ranking.topK(logits, 0, 3)).containsExactly(1, 2, 4);
        assertThat(Ranking.argmax(logits, 0)).isEqualTo(1);
    }

    @Test
    void topKReadsTheRequestedRow() {
        TensorData logits = rows(of(0, 1, 2), of(2, 1, 0));
        assertThat(Ranking.topK(logits, 1, 2)).containsExactly(0, 1);
    }

    @Test
    void matchesAFullSortOnRandomRowsWithManyTies() {
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            float[] row = new float[300];
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextInt(20); // many equal logits
            }
            // slow reference: sort every id by (logit descending, id ascending)
            int[] sorted = IntStream.range(0, row.length).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -row[i]).thenComparing(i -> i))
                    .mapToInt(Integer::intValue).toArray();
            int k = 1 + random.nextInt(40);
            assertThat(Ranking.topK(rows(row), 0, k)).containsExactly(Arrays.copyOf(sorted, k));
        }
    }
}
