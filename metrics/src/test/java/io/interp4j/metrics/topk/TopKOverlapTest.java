package io.interp4j.metrics.topk;

import static io.interp4j.metrics.Logits.compare;
import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.testkit.plugin.MetricContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopKOverlapTest extends MetricContract {
    private static final float[] DESCENDING = {5, 4, 3, 2, 1, 0};
    private static final float[] ASCENDING = {0, 1, 2, 3, 4, 5};

    @Override
    protected String id() {
        return "top-k-overlap";
    }

    @Override
    protected String fullMapping() {
        return "k = 3, positions = all";
    }

    @Override
    protected Map<String, String> invalidValues() {
        return Map.of("k = 0", "k", "k = 2.5", "k", "k = five", "k", "positions = sideways", "positions");
    }

    @Override
    protected MetricInput sampleInput() {
        return compare(DESCENDING, ASCENDING);
    }

    @Test
    void overlapOfKnownLists() {
        // top5 of DESCENDING = {0,1,2,3,4}, of ASCENDING = {5,4,3,2,1}: shared {1,2,3,4} → 4/5
        MetricResult r = metric().compute(compare(DESCENDING, ASCENDING));
        assertThat(r.value()).isEqualTo(0.8);
        assertThat(r.unit()).isEqualTo("fraction");
        // top3 {0,1,2} vs {5,4,3}: nothing shared
        assertThat(metric("k = 3").compute(compare(DESCENDING, ASCENDING)).value()).isZero();
        // top4 {0,1,2,3} vs {5,4,3,2}: shared {2,3} → 2/4
        assertThat(metric("k = 4").compute(compare(DESCENDING, ASCENDING)).value()).isEqualTo(0.5);
        // k = vocab: everything shared
        assertThat(metric("k = 6").compute(compare(DESCENDING, ASCENDING)).value()).isEqualTo(1.0);
    }

    @Test
    void tiesAreBrokenByTheLowerTokenId() {
        // [1,1,1,0]: top2 = {0,1}; [0,1,1,1]: top2 = {1,2}; shared {1} → 1/2
        assertThat(metric("k = 2").compute(compare(of(1, 1, 1, 0), of(0, 1, 1, 1))).value()).isEqualTo(0.5);
        // [1,1,1,1] vs [0,0,1,1]: top2 = {0,1} vs {2,3} → 0
        assertThat(metric("k = 2").compute(compare(of(1, 1, 1, 1), of(0, 0, 1, 1))).value()).isZero();
    }

    @Test
    void severalPositionsAreAveraged() {
        LogitComparison input = LogitComparison.of(rows(DESCENDING, DESCENDING), rows(ASCENDING, DESCENDING));
        MetricResult r = metric("k = 3, positions = all").compute(input);
        assertThat(r.value()).isEqualTo(0.5);
        assertThat(r.details()).containsEntry("position-0", 0.0).containsEntry("position-1", 1.0);
    }

    @Test
    void aReferenceReusedAndThenChangedGivesEachComparisonsOwnOverlap() {
        Metric metric = metric("k = 3, positions = all");
        LogitComparison twoRows = LogitComparison.of(rows(DESCENDING, ASCENDING), rows(DESCENDING, DESCENDING));
        // rows 0 and 1 of one reference, asked for in both orders, then again with an equal new tensor
        assertThat(metric.compute(twoRows).value()).isEqualTo(0.5);
        assertThat(metric.compute(LogitComparison.of(rows(DESCENDING, ASCENDING), rows(ASCENDING, ASCENDING))).value())
                .isEqualTo(0.5);
        // one logit of the reference changed: top3 {0,1,2} becomes {5,0,1}, which shares {5} with {5,4,3}
        float[] raised = DESCENDING.clone();
        raised[5] = 9;
        assertThat(metric("k = 3").compute(compare(raised, ASCENDING)).value()).isEqualTo(1.0 / 3);
        Metric reused = metric("k = 3");
        assertThat(reused.compute(compare(DESCENDING, ASCENDING)).value()).isZero();
        assertThat(reused.compute(compare(raised, ASCENDING)).value()).isEqualTo(1.0 / 3);
        assertThat(reused.compute(compare(DESCENDING, ASCENDING)).value()).isZero();
    }

    @Test
    void kLargerThanTheVocabularyIsAnError() {
        assertThatThrownBy(() -> metric("k = 7").compute(compare(DESCENDING, ASCENDING)))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("top-k-overlap")
                .hasMessageContaining("6 tokens");
    }

    @Test
    void describeStatesKAndPositions() {
        assertThat(metric().describe()).contains("top5", "/ 5", "last position", "lower token id");
    }
}
