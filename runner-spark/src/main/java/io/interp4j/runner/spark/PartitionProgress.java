package io.interp4j.runner.spark;

import io.interp4j.api.experiment.Progress;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Advances a step's progress as Spark reports finished tasks, on the driver: each partition counts
 * once, when its first attempt succeeds (a retried or speculative attempt adds nothing). Several plans'
 * jobs may run at once; each is known by its job group.
 */
final class PartitionProgress extends SparkListener {
    private static final String GROUP = "spark.jobGroup.id";

    /** One plan's job: its group id, the size of each partition, and what has finished. */
    static final class Job {
        final String group;
        final int[] sizes;
        final Progress progress;
        final Set<Integer> finished = new HashSet<>();

        Job(String group, int[] sizes, Progress progress) {
            this.group = group;
            this.sizes = sizes.clone();
            this.progress = progress;
        }

        synchronized void finished(int partition) {
            if (finished.add(partition)) {
                progress.advance(sizes[partition]);
            }
        }

        /** Counts the partitions whose task-end events the listener bus has not delivered yet (the job itself has succeeded). */
        synchronized void complete() {
            for (int p = 0; p < sizes.length; p++) {
                if (finished.add(p)) {
                    progress.advance(sizes[p]);
                }
            }
        }
    }

    /** The jobs started and not yet ended, by group id. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** The stages of those jobs, with their job. */
    private final Map<Integer, Job> stages = new ConcurrentHashMap<>();

    void start(Job job) {
        jobs.put(job.group, job);
    }

    void end(Job job) {
        jobs.remove(job.group);
        stages.values().removeIf(j -> j == job);
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        Job job = event.properties() == null ? null : jobs.get(String.valueOf(event.properties().getProperty(GROUP)));
        if (job != null) {
            scala.jdk.javaapi.CollectionConverters.asJava(event.stageIds()).forEach(id -> stages.put((Integer) id, job));
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        Job job = stages.get(event.stageId());
        if (job != null && event.taskInfo().successful()) {
            job.finished(event.taskInfo().partitionId());
        }
    }
}
