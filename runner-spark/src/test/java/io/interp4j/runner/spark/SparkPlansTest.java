package io.interp4j.runner.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.planner.runner.PlanRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans handed to the Spark runner together run as concurrent jobs on {@code local[2]}: the first plan's
 * last partition runs beside the second plan's first (one after another, a core would wait for it), each
 * plan's readouts are bit for bit the local planner's, and they come all of one plan before the next.
 */
class SparkPlansTest {
    /** How many partitions have started, in this JVM (local mode). */
    private static final AtomicInteger STARTED = new AtomicInteger();
    private static CountDownLatch fourth;

    @TempDir
    static Path dir;

    private static List<ForwardPlan> plans;
    private static List<List<ForwardReadout>> local;

    @BeforeAll
    static void runLocally() {
        RandomPlans.writeModel(dir);
        plans = List.of(RandomPlans.plan(1), RandomPlans.plan(2));
        local = plans.stream().map(plan -> RandomPlans.local(dir, plan)).toList();
    }

    @BeforeEach
    void reset() {
        STARTED.set(0);
        fourth = new CountDownLatch(1);
    }

    /**
     * The first plan has three partitions and Spark's FIFO scheduler starts them before the second plan's:
     * the third partition to start is the first plan's last, the fourth the second plan's first. The third
     * waits until the fourth has started, which happens only when the second plan's job runs beside it.
     */
    private static void lastOfTheFirstPlanWaitsForTheSecondPlan(int partition) {
        int started = STARTED.incrementAndGet();
        if (started == 4) {
            fourth.countDown();
        } else if (started == 3) {
            try {
                if (!fourth.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the second plan did not start beside the first plan's last partition within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void plansHandedOverTogetherOverlapAndReadWhatTheLocalPlannerReads() {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<ForwardReadout[]> readouts = plans.stream().map(plan -> new ForwardReadout[plan.size()]).toList();
        AtomicLong progress = new AtomicLong();
        String ranOn;
        try (SparkPlanRunner runner = SparkPlanRunner.open(RandomPlans.settings(dir, "local[2]"),
                SparkPlansTest::lastOfTheFirstPlanWaitsForTheSecondPlan)) {
            PlanRunner.Step step = runner.step(dir.resolve("partial-overlap"));
            step.execute(plans, key -> {
                throw new AssertionError("the driver loads no model");
            }, progress::addAndGet, (plan, index, readout) -> {
                order.add(plan);
                readouts.get(plan)[index] = readout;
            });
            ranOn = step.ranOn();
        }
        assertThat(STARTED).hasValue(6);
        int total = plans.get(0).size() + plans.get(1).size();
        assertThat(progress.get()).isEqualTo(total);
        assertThat(order).hasSize(total).isSorted().startsWith(0).endsWith(1);
        assertThat(ranOn).isEqualTo("Spark local[2] (2 cores): 2 plans in 6 partitions (up to 2 plans at once), on 1 executor "
                + RandomPlans.driver());
        for (int p = 0; p < plans.size(); p++) {
            for (int i = 0; i < plans.get(p).size(); i++) {
                assertThat(readouts.get(p)[i].logits().shape()).as("plan %d request %d", p, i)
                        .containsExactly(local.get(p).get(i).logits().shape());
                assertThat(readouts.get(p)[i].logits().data()).as("plan %d request %d", p, i)
                        .containsExactly(local.get(p).get(i).logits().data());
            }
        }
    }

    /**
     * Fails every partition of the second plan: those of the runner's second job group, which Spark hands
     * its tasks as a local property ({@code spark.jobGroup.id}). (Counting starts
     * failed the fourth partition to start, and two executor threads that start a partition each at
     * once may count in either order: once in CI the first plan's last partition counted fourth.)
     */
    private static void failTheSecondPlan(int partition) {
        if ("interp4j-plan-2".equals(TaskContext.get().getLocalProperty("spark.jobGroup.id"))) {
            throw new IllegalStateException("injected failure of the second plan");
        }
    }

    @Test
    void aFailedLaterPlanFailsTheCallAfterTheEarlierPlansReadoutsWereHandedOver() {
        List<Integer> delivered = Collections.synchronizedList(new ArrayList<>());
        try (SparkPlanRunner runner = SparkPlanRunner.open(RandomPlans.settings(dir, "local[2]"), SparkPlansTest::failTheSecondPlan)) {
            PlanRunner.Step step = runner.step(dir.resolve("partial-fail"));
            assertThatThrownBy(() -> step.execute(plans, key -> null, n -> { }, (plan, index, readout) -> delivered.add(plan)))
                    .hasMessageStartingWith("the Spark job of a forward plan failed: ")
                    .hasMessageContaining("injected failure of the second plan");
        }
        assertThat(delivered).hasSize(plans.get(0).size()).containsOnly(0);
    }
}
