package io.interp4j.api.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadoutPairsTest {
    /** A readout whose one logit is {@code value}, so that a pairing can be read back. */
    private static ForwardReadout readout(float value) {
        return new ForwardReadout(new TensorData(new long[] {1, 1}, new float[] {value}), Map.of());
    }

    /** Requests 0 and 1 are references; 2..5 pair with request i % 2. */
    private static final java.util.function.IntUnaryOperator REFERENCE = i -> i % 2;

    @Test
    void pairsEachReadoutWithItsReferenceWhateverTheOrder() {
        List<String> seen = new ArrayList<>();
        ReadoutPairs pairs = new ReadoutPairs(REFERENCE, (i, readout, reference) ->
                seen.add(i + ":" + (int) readout.lastLogits()[0] + "/" + (int) reference.lastLogits()[0]));
        // 3 and 5 arrive before their reference (1); 2 after its reference (0); 4 last
        pairs.accept(3, readout(30));
        pairs.accept(0, readout(0));
        pairs.accept(2, readout(20));
        pairs.accept(5, readout(50));
        assertThat(seen).containsExactly("2:20/0");
        pairs.accept(1, readout(10));
        pairs.accept(4, readout(40));
        assertThat(seen).containsExactly("2:20/0", "3:30/10", "5:50/10", "4:40/0");
        pairs.requireComplete();
        assertThat(pairs.reference(1).lastLogits()).containsExactly(10f);
    }

    /** The last-logits form hands over values, and one copy of each reference's logits for every readout read against it. */
    @Test
    void lastLogitsCopiesEachReferenceOnce() {
        List<float[]> references = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        ReadoutPairs pairs = ReadoutPairs.lastLogits(REFERENCE, (i, logits, reference) -> {
            references.add(reference);
            seen.add(i + ":" + (int) logits[0] + "/" + (int) reference[0]);
        });
        pairs.accept(3, readout(30));
        pairs.accept(1, readout(10));
        pairs.accept(5, readout(50));
        assertThat(seen).containsExactly("3:30/10", "5:50/10");
        assertThat(references.get(1)).isSameAs(references.get(0));
    }

    @Test
    void aReadoutWhoseReferenceNeverCameIsReported() {
        ReadoutPairs pairs = new ReadoutPairs(REFERENCE, (i, readout, reference) -> { });
        pairs.accept(0, readout(0));
        pairs.accept(3, readout(30));
        assertThatThrownBy(pairs::requireComplete).isInstanceOf(IllegalStateException.class)
                .hasMessage("readouts wait for reference request(s) [1] that were never read");
        assertThatThrownBy(() -> pairs.reference(1)).isInstanceOf(IllegalStateException.class)
                .hasMessage("reference request 1 has not been read");
    }
}
