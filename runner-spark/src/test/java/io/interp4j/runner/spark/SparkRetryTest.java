package io.interp4j.runner.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.planner.runner.PlanRunner;
import io.interp4j.planner.runner.RunnerSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that throws once is retried by Spark (master {@code local[2,2]}: two attempts per task): the
 * readouts are bit for bit the local planner's, and progress counts every forward exactly once. Without
 * retries ({@code local[2]}) the study fails with the task's own message; rerun with the same partial
 * folder, it runs only the partition that failed.
 */
class SparkRetryTest {
    /** Where the injected failure remembers that it fired: the tasks run in this JVM (local mode). */
    private static final AtomicBoolean FIRED = new AtomicBoolean();
    /** How many partitions the rerun ran. */
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    @TempDir
    static Path dir;

    private static ForwardPlan plan;
    private static List<ForwardReadout> local;

    @BeforeAll
    static void runLocally() {
        RandomPlans.writeModel(dir);
        plan = RandomPlans.plan(1);
        local = RandomPlans.local(dir, plan);
    }

    private static RunnerSettings settings(String master) {
        return RandomPlans.settings(dir, master);
    }

    private static String driver() {
        return RandomPlans.driver();
    }

    /** Throws from the first attempt of partition 1, once per JVM. */
    private static void failOnce(int partition) {
        if (partition == 1 && FIRED.compareAndSet(false, true)) {
            throw new IllegalStateException("injected failure of partition 1");
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndNothingIsCountedTwice() {
        FIRED.set(false);
        List<Long> advances = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<ForwardReadout> spark;
        String ranOn;
        try (SparkPlanRunner runner = SparkPlanRunner.open(settings("local[2,2]"), SparkRetryTest::failOnce)) {
            PlanRunner.Step step = runner.step(dir.resolve("partial-retry"));
            spark = step.execute(plan, key -> {
                throw new AssertionError("the driver loads no model");
            }, advances::add);
            ranOn = step.ranOn();
        }
        assertThat(FIRED).isTrue();
        // one advance per partition, by its size, the failed attempt not among them
        assertThat(advances).hasSize(3).allMatch(n -> n > 0);
        assertThat(advances.stream().mapToLong(Long::longValue).sum()).isEqualTo(plan.size());
        assertThat(ranOn).isEqualTo("Spark local[2,2] (2 cores): 1 plan in 3 partitions, on 1 executor " + driver());
        assertThat(spark).hasSameSizeAs(local);
        for (int i = 0; i < local.size(); i++) {
            assertThat(spark.get(i).logits().shape()).as("request %d", i).containsExactly(local.get(i).logits().shape());
            assertThat(spark.get(i).logits().data()).as("request %d", i).containsExactly(local.get(i).logits().data());
        }
    }

    @Test
    void withoutRetriesTheStepFailsWithTheTasksMessage() {
        FIRED.set(false);
        try (SparkPlanRunner runner = SparkPlanRunner.open(settings("local[2]"), SparkRetryTest::failOnce)) {
            assertThatThrownBy(() -> runner.step(dir.resolve("partial-fail")).execute(plan, key -> null, n -> { }))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageStartingWith("the Spark job of a forward plan failed: ")
                    .hasMessageContaining("injected failure of partition 1")
                    .hasMessageNotContaining("\tat ");
        }
    }

    private static void failAtTheLast(int partition) {
        if (partition == 2) {
            throw new IllegalStateException("injected failure of the last partition");
        }
    }

    private static void count(int partition) {
        RUNS.incrementAndGet();
    }

    @Test
    void aRerunOfAFailedStepRunsOnlyThePartitionsThatDidNotFinish() {
        Path partial = dir.resolve("partial-resume");
        // one core: partitions 0 and 1 finish (and are kept) before partition 2 fails
        try (SparkPlanRunner runner = SparkPlanRunner.open(settings("local[1]"), SparkRetryTest::failAtTheLast)) {
            assertThatThrownBy(() -> runner.step(partial).execute(plan, key -> null, n -> { }))
                    .hasMessageContaining("injected failure of the last partition");
        }
        RUNS.set(0);
        AtomicLong progress = new AtomicLong();
        List<ForwardReadout> resumed;
        String ranOn;
        try (SparkPlanRunner runner = SparkPlanRunner.open(settings("local[1]"), SparkRetryTest::count)) {
            PlanRunner.Step step = runner.step(partial);
            resumed = step.execute(plan, key -> null, progress::addAndGet);
            ranOn = step.ranOn();
        }
        assertThat(RUNS.get()).isEqualTo(1);
        assertThat(progress.get()).isEqualTo(plan.size());
        assertThat(ranOn).endsWith("1 plan in 1 partition, on 1 executor " + driver() + "; 2 partitions reused from an interrupted run");
        for (int i = 0; i < local.size(); i++) {
            assertThat(resumed.get(i).logits().data()).as("request %d", i).containsExactly(local.get(i).logits().data());
        }
    }
}
