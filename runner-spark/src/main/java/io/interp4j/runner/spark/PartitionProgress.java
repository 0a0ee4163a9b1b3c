package io.interp4j.runner.spark;

import io.interp4j.api.experiment.Progress;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Advances a step's progress as Spark reports finished tasks, on the driver: each partition counts
 * once, when its first attempt succeeds (a retried or speculative attempt adds nothing).
 */
final class PartitionProgress extends SparkListener {
    private static final String GROUP = "spark.jobGroup.id";

    /** One plan's job: its group id, the size of each partition, and what has finished. */
    static final class Job {
        final String group;
        final int[] sizes;
        final Progress progress;
        final Set<Integer> stages = new HashSet<>();
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

    private volatile Job current;

    void start(Job job) {
        current = job;
    }

    void end() {
        current = null;
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        Job job = current;
        if (job != null && event.properties() != null && job.group.equals(event.properties().getProperty(GROUP))) {
            synchronized (job) {
                scala.jdk.javaapi.CollectionConverters.asJava(event.stageIds()).forEach(id -> job.stages.add((Integer) id));
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        Job job = current;
        if (job == null || !event.taskInfo().successful()) {
            return;
        }
        boolean ours;
        synchronized (job) {
            ours = job.stages.contains(event.stageId());
        }
        if (ours) {
            job.finished(event.taskInfo().partitionId());
        }
    }
}
