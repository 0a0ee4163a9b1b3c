package io.interp4j.runner.spark;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlansSink;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.planner.Planner;
import io.interp4j.planner.runner.ModelSource;
import io.interp4j.planner.runner.PlanRunner;
import io.interp4j.planner.runner.RunnerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A study's forward plans on Spark. Each plan is split by {@link Partitioning} along the planner's chunks
 * (so every executor batches exactly as a local study does), shipped as {@link Wire} data, run partition by partition through the local
 * planner on the executors ({@link PartitionTask}), each of which stores its readouts as they come in the
 * step's partial folder ({@link PartitionStore}); the driver hands them to the step's sink one partition
 * at a time, so that no JVM holds a whole plan's readouts. Plans handed over together run as concurrent
 * jobs, so that no core waits at the end of one plan for its last partition. Everything else a step does
 * (training, generation, reading results) runs on the driver.
 */
final class SparkPlanRunner implements PlanRunner {
    private static final Set<String> OPTIONS = Set.of("master", "partitions");

    private final JavaSparkContext spark;
    private final RunnerSettings settings;
    private final int partitions;
    private final PartitionTask.Hook hook;
    private final PartitionProgress listener = new PartitionProgress();
    private int jobs;

    private SparkPlanRunner(JavaSparkContext spark, RunnerSettings settings, int partitions, PartitionTask.Hook hook) {
        this.spark = spark;
        this.settings = settings;
        this.partitions = partitions;
        this.hook = hook;
        spark.sc().addSparkListener(listener);
    }

    static SparkPlanRunner open(RunnerSettings settings) {
        return open(settings, PartitionTask.Hook.NONE);
    }

    /** Opens a runner whose tasks call {@code hook} before they run (tests inject failures with it). */
    static SparkPlanRunner open(RunnerSettings settings, PartitionTask.Hook hook) {
        Map<String, String> options = settings.options();
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(OPTIONS);
        if (!unknown.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "runner spark: unknown option(s) " + unknown + "; allowed: --master URL,"
                    + " --partitions N");
        }
        int partitions = 0;
        if (options.containsKey("partitions")) {
            String text = options.get("partitions");
            try {
                partitions = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                partitions = -1;
            }
            if (partitions < 1) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "--partitions: found '" + text + "'; allowed: a whole number >= 1");
            }
        }
        // spark-submit passes the master as spark.master, which SparkConf reads; --master overrides it
        SparkConf conf = new SparkConf().setAppName("interp4j study").setIfMissing("spark.master", "local[*]")
                // the web UI would take a port per study JVM; a cluster run can turn it on with spark.ui.enabled
                .setIfMissing("spark.ui.enabled", "false");
        if (options.containsKey("master")) {
            conf.setMaster(options.get("master"));
        }
        JavaSparkContext spark;
        try {
            spark = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "runner spark: cannot start Spark with master '" + conf.get("spark.master")
                    + "': " + e.getMessage(), e);
        }
        spark.setLogLevel("WARN");
        return new SparkPlanRunner(spark, settings, partitions, hook);
    }

    /** The partitions of a plan: as given, or twice the cluster's cores, so that a slow partition does not hold up a core. */
    private int partitions() {
        return partitions > 0 ? partitions : 2 * spark.defaultParallelism();
    }

    @Override
    public Step step(Path partial) {
        return new SparkStep(partial);
    }

    @Override
    public void close() {
        spark.stop();
        ExecutorModels.closeAll();
    }

    private final class SparkStep implements Step {
        private final Path partial;
        private int plans;
        private int partitionsRun;
        private int partitionsReused;
        /** The most plans whose jobs were started together. */
        private long running;
        /** Each executor that ran a partition, with its engines' intra-op threads. */
        private final Map<String, Integer> executors = new TreeMap<>();

        SparkStep(Path partial) {
            this.partial = partial.toAbsolutePath();
        }

        @Override
        public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
            execute(List.of(plan), models, progress, (p, index, readout) -> sink.accept(index, readout));
        }

        /**
         * Starts every plan's Spark job at once (asynchronously, in the plans' order) and then hands the plans'
         * readouts over one plan at a time, each as soon as its job is done. Spark's FIFO scheduler runs an
         * earlier job's tasks first and gives a core that the earlier jobs no longer need to the next job, so
         * that a plan's last partitions share the cluster with the next plan's first ones, and the driver
         * hands over one plan's readouts while the executors compute the next.
         */
        @Override
        public void execute(List<ForwardPlan> plans, Function<String, Model> models, Progress progress, PlansSink sink) {
            List<Launched> launched = new ArrayList<>(plans.size());
            // Spark's listener thread advances the progress of every running job, this thread that of reused partitions
            Object lock = new Object();
            Progress serial = n -> {
                synchronized (lock) {
                    progress.advance(n);
                }
            };
            try {
                for (ForwardPlan plan : plans) {
                    launched.add(launch(plan, serial));
                }
                for (int p = 0; p < launched.size(); p++) {
                    ReadoutSink plan = sink.of(p);
                    launched.get(p).deliver(result -> plan.accept(result.index(), result.decode()));
                }
            } finally {
                // after a failure, the jobs of later plans stop (their finished partitions stay stored for a rerun)
                launched.forEach(Launched::cancel);
            }
            running = Math.max(running, launched.stream().filter(l -> l.job != null).count());
        }

        /** Splits a plan, finds its partitions stored by an interrupted run and starts the job of the others. */
        private Launched launch(ForwardPlan plan, Progress progress) {
            if (plan.size() == 0) {
                return new Launched(List.of(), 0, null, null);
            }
            Map<String, Source> sources = sources(plan);
            Map<String, ModelConfig> configs = new LinkedHashMap<>();
            List<int[]> chunks = new Planner(settings.planner()).chunks(plan, key -> configs.computeIfAbsent(key,
                    k -> ModelConfig.read(Path.of(sources.get(k).path()).resolve("config.json"))));
            List<int[]> split = Partitioning.split(plan, chunks, partitions());
            List<String> keys = new ArrayList<>(split.size());
            List<PartitionTask> tasks = new ArrayList<>(split.size());
            long reused = 0;
            for (int[] partition : split) {
                List<Wire.Request> requests = new ArrayList<>(partition.length);
                Map<TensorData, Wire.Tensor> shared = new IdentityHashMap<>();
                for (int index : partition) {
                    requests.add(Wire.Request.of(index, plan.requests().get(index), shared));
                }
                Map<String, Source> used = new LinkedHashMap<>();
                requests.forEach(r -> used.put(r.model(), sources.get(r.model())));
                int batchTokens = settings.planner().batchTokens();
                long cacheBytes = settings.planner().cacheBytes();
                String key = PartitionStore.key(requests, used, batchTokens, cacheBytes);
                keys.add(key);
                if (PartitionStore.readable(partial, key)) {
                    // finished by an interrupted run of this step
                    reused += requests.size();
                } else {
                    tasks.add(new PartitionTask(tasks.size(), requests, used, batchTokens, cacheBytes, partial.toString(), key, hook));
                }
            }
            if (reused > 0) {
                progress.advance(reused);
            }
            partitionsReused += split.size() - tasks.size();
            if (tasks.isEmpty()) {
                return new Launched(keys, 0, null, null);
            }
            int[] sizes = tasks.stream().mapToInt(t -> t.requests().size()).toArray();
            String group = "interp4j-plan-" + (++jobs);
            PartitionProgress.Job job = new PartitionProgress.Job(group, sizes, progress);
            listener.start(job);
            try {
                // the group is a property of this thread, which Spark copies into the job when it is submitted
                spark.setJobGroup(group, String.format(Locale.ROOT, "%,d forwards in %d partitions", IntStream.of(sizes).sum(), tasks.size()),
                        false);
                // one task per partition: parallelize slices a list of n elements into n partitions of one element
                return new Launched(keys, tasks.size(), job, spark.parallelize(tasks, tasks.size()).map(PartitionTask::run).collectAsync());
            } catch (Exception e) { // Scala code throws SparkException without declaring it
                listener.end(job);
                throw failed(e);
            } finally {
                spark.clearJobGroup();
            }
        }

        /**
         * A plan whose job has started: its partitions' store keys in order, how many of them its job runs
         * (the others were stored by an interrupted run), and the job (null when every partition was stored).
         */
        private final class Launched {
            private final List<String> keys;
            private final int tasks;
            private final PartitionProgress.Job job;
            private final JavaFutureAction<List<PartitionTask.Done>> future;

            Launched(List<String> keys, int tasks, PartitionProgress.Job job, JavaFutureAction<List<PartitionTask.Done>> future) {
                this.keys = keys;
                this.tasks = tasks;
                this.job = job;
                this.future = future;
            }

            /** Waits for the job, then hands over every partition's readouts, one partition at a time. */
            void deliver(Consumer<Wire.Result> deliver) {
                if (future != null) {
                    List<PartitionTask.Done> results;
                    try {
                        results = future.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw failed(e);
                    } catch (ExecutionException e) { // Scala code throws SparkException without declaring it
                        throw failed(e.getCause() instanceof Exception cause ? cause : e);
                    } finally {
                        listener.end(job);
                    }
                    job.complete();
                    results.forEach(done -> executors.put(done.executor(), done.engineThreads()));
                }
                // the executors stored each partition's readouts as they came: hand them over one partition at a time
                for (int p = 0; p < keys.size(); p++) {
                    if (!PartitionStore.read(partial, keys.get(p), deliver)) {
                        throw new Interp4jException(ErrorCode.IO_ERROR, partial + ": partition " + p + " finished but its"
                                + " readouts are not readable there; the partial folder must be on a file system the driver and every"
                                + " executor see");
                    }
                }
                if (!keys.isEmpty()) {
                    plans++;
                    partitionsRun += tasks;
                }
            }

            /** Cancels the job when it still runs. */
            void cancel() {
                if (future != null && !future.isDone()) {
                    future.cancel(true);
                    listener.end(job);
                }
            }
        }

        @Override
        public String ranOn() {
            String master = spark.master();
            if (plans == 0) {
                return "the driver (no forward plans to run on Spark " + master + ")";
            }
            return String.format(Locale.ROOT, "Spark %s (%d cores): %d plan%s in %d partition%s%s, on %d executor%s %s%s", master,
                    spark.defaultParallelism(), plans, plans == 1 ? "" : "s", partitionsRun, partitionsRun == 1 ? "" : "s",
                    running > 1 ? " (up to " + running + " plans at once)" : "", executors.size(),
                    executors.size() == 1 ? "" : "s", executorsAndThreads(), partitionsReused == 0 ? ""
                            : String.format(Locale.ROOT, "; %d partition%s reused from an interrupted run", partitionsReused,
                                    partitionsReused == 1 ? "" : "s"));
        }

        /** {@code [0, 1] with 1 engine thread each}, or {@code [0: 2, 1: 1] engine threads} when the executors differ. */
        private String executorsAndThreads() {
            Set<Integer> counts = new TreeSet<>(executors.values());
            if (counts.size() > 1) {
                StringJoiner each = new StringJoiner(", ", "[", "] engine threads");
                executors.forEach((id, threads) -> each.add(id + ": " + threads));
                return each.toString();
            }
            if (counts.isEmpty()) {
                return "[]";
            }
            int threads = counts.iterator().next();
            return executors.keySet() + " with " + threads + " engine thread"
                    + (threads == 1 ? "" : "s") + (executors.size() == 1 ? "" : " each");
        }
    }

    /** Each request model key's source, resolved on the driver so that an unknown model fails before anything ships. */
    private Map<String, Source> sources(ForwardPlan plan) {
        Map<String, Source> sources = new LinkedHashMap<>();
        for (ForwardRequest request : plan.requests()) {
            sources.computeIfAbsent(request.model(), key -> {
                ModelRef ref = ModelRef.parse(key);
                ModelSource model = settings.models().get(ref.name());
                if (model == null) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + ref.name() + "'; the study has "
                            + settings.models().keySet());
                }
                return Source.of(model, ref.variant() ? ref.options() : model.options());
            });
        }
        return sources;
    }

    /** A failed job, with the executor's own message (Spark reports a task's exception as text). */
    private static Interp4jException failed(Exception e) {
        if (e instanceof Interp4jException i) {
            return i;
        }
        String message = String.valueOf(e.getMessage());
        int trace = message.indexOf("\n\tat ");
        return new Interp4jException(ErrorCode.ENGINE_ERROR, "the Spark job of a forward plan failed: "
                + (trace < 0 ? message : message.substring(0, trace)), e);
    }
}
