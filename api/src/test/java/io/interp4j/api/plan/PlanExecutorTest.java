package io.interp4j.api.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PlanExecutorTest {
    /** Reads each request's first token as its one logit, last request first (an executor's own order). */
    private static final PlanExecutor BACKWARDS = new PlanExecutor() {
        @Override
        public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
            for (int i = plan.size() - 1; i >= 0; i--) {
                float token = plan.requests().get(i).tokens()[0];
                sink.accept(i, new ForwardReadout(new TensorData(new long[] {1, 1}, new float[] {token}), Map.of()));
                progress.advance(1);
            }
        }
    };

    private static ForwardPlan plan(int... firstTokens) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int token : firstTokens) {
            plan.add(ForwardRequest.clean("m", new int[] {token, 0}));
        }
        return plan.build();
    }

    @Test
    void severalPlansByDefaultRunOneAfterAnotherEachReadoutWithItsPlanAndIndex() {
        List<String> seen = new ArrayList<>();
        long[] progress = new long[1];
        BACKWARDS.execute(List.of(plan(10, 11), plan(), plan(20, 21, 22)), key -> null, n -> progress[0] += n,
                (plan, index, readout) -> seen.add(plan + "." + index + "=" + (int) readout.lastLogits()[0]));
        // every readout of plan 0 before any of plan 2; within a plan, the executor's order
        assertThat(seen).containsExactly("0.1=11", "0.0=10", "2.2=22", "2.1=21", "2.0=20");
        assertThat(progress[0]).isEqualTo(5);
    }

    @Test
    void aPlansSinkGivesEachPlanItsOwnReadoutSink() {
        List<String> seen = new ArrayList<>();
        PlansSink sink = (plan, index, readout) -> seen.add(plan + "." + index);
        sink.of(3).accept(7, new ForwardReadout(new TensorData(new long[] {1, 1}, new float[] {0}), Map.of()));
        assertThat(seen).containsExactly("3.7");
    }
}
