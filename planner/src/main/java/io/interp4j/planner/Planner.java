package io.interp4j.planner;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.PastKeyValues;
import io.interp4j.api.model.Run;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Runs a forward plan with as little compute as the plain path's answers allow (within float
 * tolerance; the tests compare the two at every hook point a readout can touch):
 *
 * <ul>
 *   <li>requests are grouped by model and prompt; each prompt's clean forward runs once, batched with
 *       other prompts (right padding), keeping the residual streams, keys and values its intervened
 *       requests need, and serving every clean request's readout;
 *   <li>an intervened request starts at the first layer its interventions touch, from the clean
 *       residual stream there ({@code start_at_layer}); requests with the same start layer are stacked
 *       along the batch, each row with its own interventions, up to {@link PlannerOptions#batchTokens};
 *   <li>a request whose interventions and readouts are confined to the last position (steering,
 *       knockout) recomputes only that position after its start layer, attending to the clean run's
 *       keys and values for the others;
 *   <li>only the logits a readout reads are unembedded; activations at points before a request's start
 *       layer are read from the clean run, where they are the same;
 *   <li>a request that replaces the whole residual stream after block M with zeros at every position (the
 *       seed's "layer ablation"), with no other intervention after it and nothing read up to it, no longer
 *       depends on its tokens: block M + 1 sees zeros whatever the prompt, so what follows is a function of
 *       the prompt's length alone. Such requests start after block M from zeros, and those of a chunk with
 *       the same block, length and readout share one row of one forward.
 * </ul>
 *
 * Prompts are processed in chunks whose kept activations fit {@link PlannerOptions#cacheBytes}.
 */
public final class Planner implements PlanExecutor {
    private final PlannerOptions options;

    /**
     * Creates a planner.
     *
     * @param options batch and cache bounds
     */
    public Planner(PlannerOptions options) {
        this.options = requireNonNull(options, "options is null");
    }

    /** How an intervened request is computed. */
    private enum Mode {
        /** No intervention: served by the clean forward. */
        CLEAN,
        /** Every position from the start layer on. */
        FULL,
        /** Only the last position from the start layer on, after the clean keys and values. */
        LAST,
        /**
         * From the start layer on, from a residual stream of zeros (the stream after the block before it was
         * replaced by zeros at every position, wiping every intervention before): the same for every prompt of
         * the same length, so computed once per start layer, length and readout.
         */
        ZEROED
    }

    /** One request and how the planner computes it. */
    /**
     * One request and how the planner computes it: from block {@code start}, with the clean value of
     * {@code from} as its residual stream, installing {@code applied} (its interventions less the
     * blocks it skips).
     */
    private record Job(int index, ForwardRequest request, Mode mode, int start, HookPoint from, List<Intervention> applied) {}

    /** A prompt and the requests on it. */
    private static final class Prompt {
        final int[] tokens;
        final List<Job> jobs = new ArrayList<>();
        /** The clean forward that serves this prompt, and its row there. */
        ForwardResult clean;
        int row;

        Prompt(int[] tokens) {
            this.tokens = tokens;
        }

        int length() {
            return tokens.length;
        }
    }

    /** The point whose clean value is the residual stream a forward from {@code layer} starts from. */
    private static HookPoint startPoint(int layer, ModelConfig config) {
        return layer < config.numLayers() ? HookPoint.block(layer, HookSite.RESID_PRE) : HookPoint.block(layer - 1, HookSite.RESID_POST);
    }

    @Override
    public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
        for (Map.Entry<String, List<Integer>> entry : byModel(plan).entrySet()) {
            Model model = models.apply(entry.getKey());
            new ModelWork(entry.getKey(), model.config(), model, plan, entry.getValue(), sink, progress, null).run();
        }
    }

    /**
     * Returns the forwards this planner would run for a plan, without running anything: the same
     * grouping, chunking and packing as {@link #execute}, so that a dry run can count and cost them.
     *
     * @param plan the requests
     * @param configs each request model's architecture
     * @return the batched forwards, in the order they would run
     */
    public List<ScheduledForward> schedule(ForwardPlan plan, Function<String, ModelConfig> configs) {
        List<ScheduledForward> schedule = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : byModel(plan).entrySet()) {
            new ModelWork(entry.getKey(), configs.apply(entry.getKey()), null, plan, entry.getValue(), (i, r) -> { }, n -> { }, schedule).run();
        }
        return schedule;
    }

    /**
     * Returns the plan's chunks: per model (in the order the plan first names them), the requests of
     * each run of prompts whose kept activations fit {@link PlannerOptions#cacheBytes}, in the order
     * {@link #execute} runs them. Chunks share no forward: a plan made of consecutive chunks of this list
     * (per model) runs, request for request, the same batched forwards as the whole plan, so its readouts
     * are the same to the last bit. A distributed runner splits plans along them.
     *
     * @param plan the requests
     * @param configs each request model's architecture
     * @return each chunk's request indices, ascending
     */
    public List<int[]> chunks(ForwardPlan plan, Function<String, ModelConfig> configs) {
        List<int[]> chunks = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : byModel(plan).entrySet()) {
            ModelWork work = new ModelWork(entry.getKey(), configs.apply(entry.getKey()), null, plan, entry.getValue(),
                    (i, r) -> { }, n -> { }, List.of());
            for (List<Prompt> chunk : work.chunks()) {
                chunks.add(chunk.stream().flatMap(p -> p.jobs.stream()).mapToInt(Job::index).sorted().toArray());
            }
        }
        return chunks;
    }

    /** The requests of one model; with a schedule, only what would run is recorded (no model needed). */
    private final class ModelWork {
        private final String key;
        private final Model model;
        private final ModelConfig config;
        private final ReadoutSink sink;
        private final Progress progress;
        private final List<ScheduledForward> schedule;
        private final List<Prompt> prompts = new ArrayList<>();

        ModelWork(String key, ModelConfig config, Model model, ForwardPlan plan, List<Integer> indices, ReadoutSink sink,
                Progress progress, List<ScheduledForward> schedule) {
            this.key = key;
            this.model = model;
            this.config = config;
            this.sink = sink;
            this.progress = progress;
            this.schedule = schedule;
            Map<PromptKey, Prompt> byPrompt = new LinkedHashMap<>();
            for (int index : indices) {
                ForwardRequest request = plan.requests().get(index);
                Prompt prompt = byPrompt.computeIfAbsent(new PromptKey(request.tokens()), k -> new Prompt(k.tokens()));
                prompt.jobs.add(classify(index, request));
            }
            prompts.addAll(byPrompt.values());
        }

        private Job classify(int index, ForwardRequest request) {
            if (request.interventions().isEmpty()) {
                return new Job(index, request, Mode.CLEAN, 0, null, List.of());
            }
            request.interventions().forEach(intervention -> intervention.checkIn(config));
            int zeroed = zeroedStream(request);
            if (zeroed >= 0) {
                return new Job(index, request, Mode.ZEROED, zeroed + 1, null, List.of());
            }
            int start = Integer.MAX_VALUE;
            boolean lastOnly = request.length() > 1;
            for (Intervention intervention : request.interventions()) {
                start = Math.min(start, ForwardInput.firstLayer(intervention.site(), config));
                lastOnly &= atLastOnly(intervention.positions(), request.length());
                // logits written by an intervention are computed at every position, as the plain path does
                lastOnly &= !writesLogits(intervention);
            }
            Readout readout = request.readout();
            if (readout.logits() != null) {
                lastOnly &= atLastOnly(readout.logits(), request.length());
            }
            for (Map.Entry<HookPoint, Positions> read : readout.activations().entrySet()) {
                if (!before(read.getKey(), start)) {
                    lastOnly &= atLastOnly(read.getValue(), request.length());
                }
            }
            HookPoint from = startPoint(start, config);
            List<Intervention> applied = request.interventions();
            if (!lastOnly) {
                // a block whose whole contribution is zeroed is skipped outright (a true skip): its output is its
                // input, so the forward starts after it from the clean residual stream before it
                while (start < config.numLayers() && skipsBlock(applied, readout, start)) {
                    int skipped = start;
                    applied = applied.stream().filter(i -> ForwardInput.firstLayer(i.site(), config) != skipped).toList();
                    start = skipped + 1;
                }
            }
            return new Job(index, request, lastOnly ? Mode.LAST : Mode.FULL, start, from, applied);
        }

        /**
         * The block after which a request replaces the whole residual stream with zeros, when nothing else of
         * it matters to what it reads: every intervention acts at that block or before it (so the zeros wipe
         * it), every one at the stream itself zeroes all of it, and every activation read lies after the
         * block. Then the request's readout depends on its prompt's length only. Returns −1 otherwise.
         */
        private int zeroedStream(ForwardRequest request) {
            int block = -1;
            for (Intervention intervention : request.interventions()) {
                if (zeroesStream(intervention)) {
                    block = Math.max(block, intervention.site().layer());
                }
            }
            if (block < 0) {
                return -1;
            }
            HookPoint stream = HookPoint.block(block, HookSite.RESID_POST);
            for (Intervention intervention : request.interventions()) {
                if (ForwardInput.firstLayer(intervention.site(), config) > block
                        || intervention.site().rewrittenPoint().equals(stream) && !zeroesStream(intervention)) {
                    return -1;
                }
            }
            for (HookPoint read : request.readout().activations().keySet()) {
                if (read.layer() <= block) {
                    return -1;
                }
            }
            return block;
        }

        /** Whether an intervention replaces the residual stream after a block with zeros at every position. */
        private static boolean zeroesStream(Intervention intervention) {
            return intervention.site() instanceof Site.AtHook at && at.point().site() == HookSite.RESID_POST && at.point().layer() >= 0
                    && intervention.operation() == Operation.ZERO && intervention.positions().all() && intervention.heads().isEmpty();
        }

        /**
         * Whether every intervention that touches {@code block} zeroes its whole contribution at every
         * position and nothing is read there: then the block need not run at all.
         */
        private boolean skipsBlock(List<Intervention> interventions, Readout readout, int block) {
            boolean any = false;
            for (Intervention intervention : interventions) {
                if (ForwardInput.firstLayer(intervention.site(), config) != block) {
                    continue;
                }
                boolean zeroesContribution = intervention.site() instanceof Site.Contribution && intervention.operation() == Operation.ZERO
                        && intervention.positions().all() && intervention.heads().isEmpty();
                if (!zeroesContribution) {
                    return false;
                }
                any = true;
            }
            return any && readout.activations().keySet().stream().noneMatch(p -> p.layer() == block);
        }

        /** Whether a point's value is the clean one in a forward from {@code start}: it lies before it. */
        private boolean before(HookPoint point, int start) {
            if (point.layer() >= 0) {
                return point.layer() < start;
            }
            return point.site() == HookSite.EMBED && start > 0;
        }

        void run() {
            chunks().forEach(this::runChunk);
        }

        /** The prompts in runs whose kept activations fit the cache bound, each run greedily as long as it fits. */
        List<List<Prompt>> chunks() {
            List<List<Prompt>> chunks = new ArrayList<>();
            int next = 0;
            while (next < prompts.size()) {
                long bytes = keptBytes(prompts.get(next));
                int end = next + 1;
                while (end < prompts.size()) {
                    long more = keptBytes(prompts.get(end));
                    if (bytes + more > options.cacheBytes()) {
                        break;
                    }
                    bytes += more;
                    end++;
                }
                chunks.add(prompts.subList(next, end));
                next = end;
            }
            return chunks;
        }

        /** What the clean forward keeps for one prompt: the points its jobs read from it. */
        private Set<HookPoint> kept(Prompt prompt) {
            Set<HookPoint> points = new TreeSet<>();
            for (Job job : prompt.jobs) {
                if (job.mode() == Mode.ZEROED) {
                    // read after the zeroed block only, computed from zeros: nothing of the clean run is needed
                    continue;
                }
                for (HookPoint point : job.request().readout().activations().keySet()) {
                    if (job.mode() == Mode.CLEAN || before(point, job.start())) {
                        points.add(point);
                    }
                }
                if (job.mode() != Mode.CLEAN && job.start() > 0) {
                    points.add(job.from());
                }
                if (job.mode() == Mode.LAST) {
                    for (int layer = job.start(); layer < config.numLayers(); layer++) {
                        points.add(HookPoint.block(layer, HookSite.ATTN_ROT_K));
                        points.add(HookPoint.block(layer, HookSite.ATTN_V));
                    }
                }
            }
            return points;
        }

        private long keptBytes(Prompt prompt) {
            long bytes = 0;
            for (HookPoint point : kept(prompt)) {
                long[] shape = point.shape(config, 1, prompt.length(), prompt.length());
                bytes += Arrays.stream(shape).reduce(1, (a, b) -> a * b) * Float.BYTES;
            }
            return bytes;
        }

        private void runChunk(List<Prompt> chunk) {
            List<Run> cleanRuns = new ArrayList<>();
            try {
                runClean(chunk, cleanRuns);
                List<Job> full = new ArrayList<>();
                List<Job> last = new ArrayList<>();
                List<Job> zeroed = new ArrayList<>();
                Map<Job, Prompt> promptOf = new LinkedHashMap<>();
                for (Prompt prompt : chunk) {
                    for (Job job : prompt.jobs) {
                        promptOf.put(job, prompt);
                        if (job.mode() == Mode.FULL) {
                            full.add(job);
                        } else if (job.mode() == Mode.LAST) {
                            last.add(job);
                        } else if (job.mode() == Mode.ZEROED) {
                            zeroed.add(job);
                        }
                    }
                }
                runIntervened(full, promptOf, Mode.FULL);
                runIntervened(last, promptOf, Mode.LAST);
                runZeroed(zeroed);
            } finally {
                cleanRuns.forEach(Run::close);
                for (Prompt prompt : chunk) {
                    prompt.clean = null;
                }
            }
        }

        /** One clean forward per prompt, batched; serves the clean jobs and keeps what the others need. */
        private void runClean(List<Prompt> chunk, List<Run> runs) {
            List<Prompt> sorted = new ArrayList<>(chunk);
            // a prompt whose every request starts from zeros needs no clean forward
            sorted.removeIf(p -> p.jobs.stream().allMatch(j -> j.mode() == Mode.ZEROED));
            sorted.sort(Comparator.comparingInt(Prompt::length));
            for (List<Prompt> batch : pack(sorted, Prompt::length)) {
                Set<HookPoint> points = new TreeSet<>();
                List<Job> served = new ArrayList<>();
                for (Prompt prompt : batch) {
                    points.addAll(kept(prompt));
                    prompt.jobs.stream().filter(j -> j.mode() == Mode.CLEAN).forEach(served::add);
                }
                Positions logits = commonLogits(served);
                int width = batch.stream().mapToInt(Prompt::length).max().orElseThrow();
                if (schedule != null) {
                    schedule.add(new ScheduledForward(key, batch.size(), width, 0, 0, logitRows(logits, width, batch.size()), points.size()));
                    continue;
                }
                Run run = model.newRun();
                runs.add(run);
                if (!points.isEmpty()) {
                    run.cache(points);
                }
                ForwardResult result = run.forward(ForwardInput.of(batch.stream().map(p -> p.tokens).toList()).logitsAt(logits));
                for (int row = 0; row < batch.size(); row++) {
                    Prompt prompt = batch.get(row);
                    prompt.clean = result;
                    prompt.row = row;
                    for (Job job : prompt.jobs) {
                        if (job.mode() == Mode.CLEAN) {
                            // a clean request has no intervention: nothing to fire
                            sink.accept(job.index(), Readouts.read(result, row, job.request().readout(), 0, logits, Map.of())
                                    .withFired(new FiredSites().of(job.request().interventions(), job.applied())));
                            progress.advance(1);
                        }
                    }
                }
            }
        }

        /** How many positions a batch unembeds. */
        private int logitRows(Positions logits, int width, int rows) {
            return rows * (logits.all() ? width : logits.indices().length);
        }

        /** The logit positions a batch computes: the one its readouts share, else every position. */
        private Positions commonLogits(List<Job> jobs) {
            Set<Positions> wanted = new LinkedHashSet<>();
            for (Job job : jobs) {
                if (job.request().readout().logits() != null) {
                    wanted.add(job.request().readout().logits());
                }
            }
            if (wanted.isEmpty()) {
                return Positions.LAST;
            }
            return wanted.size() == 1 ? wanted.iterator().next() : Positions.ALL;
        }

        /** Intervened jobs, grouped by start layer (and for last-position jobs by prompt length), batched. */
        private void runIntervened(List<Job> jobs, Map<Job, Prompt> promptOf, Mode mode) {
            Map<List<Object>, List<Job>> groups = new LinkedHashMap<>();
            for (Job job : jobs) {
                List<Object> key = mode == Mode.LAST ? List.of(job.start(), job.request().length()) : List.of(job.start(), job.from());
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(job);
            }
            for (List<Job> group : groups.values()) {
                List<Job> sorted = new ArrayList<>(group);
                sorted.sort(Comparator.comparingInt(j -> j.request().length()));
                for (List<Job> batch : pack(sorted, j -> mode == Mode.LAST ? 1 : j.request().length())) {
                    runBatch(batch, promptOf, mode);
                }
            }
        }

        /**
         * Requests that start from zeros: one row per start block, prompt length and readout, whatever the
         * tokens, grouped by start block, batched like the full ones; each row's readout serves every request
         * that shares it.
         */
        private void runZeroed(List<Job> jobs) {
            Map<List<Object>, List<Job>> shared = new LinkedHashMap<>();
            for (Job job : jobs) {
                shared.computeIfAbsent(List.of(job.start(), job.request().length(), job.request().readout()), k -> new ArrayList<>()).add(job);
            }
            Map<Integer, List<List<Job>>> byStart = new LinkedHashMap<>();
            for (List<Job> group : shared.values()) {
                byStart.computeIfAbsent(group.get(0).start(), k -> new ArrayList<>()).add(group);
            }
            for (List<List<Job>> groups : byStart.values()) {
                List<List<Job>> sorted = new ArrayList<>(groups);
                sorted.sort(Comparator.comparingInt(g -> g.get(0).request().length()));
                for (List<List<Job>> batch : pack(sorted, g -> g.get(0).request().length())) {
                    runZeroedBatch(batch);
                }
            }
        }

        private void runZeroedBatch(List<List<Job>> batch) {
            int start = batch.get(0).get(0).start();
            List<Job> rows = batch.stream().map(g -> g.get(0)).toList();
            Positions logits = commonLogits(rows);
            int width = rows.stream().mapToInt(j -> j.request().length()).max().orElseThrow();
            Set<HookPoint> points = new TreeSet<>();
            rows.forEach(j -> points.addAll(j.request().readout().activations().keySet()));
            if (schedule != null) {
                schedule.add(new ScheduledForward(key, rows.size(), width, start, 0, logitRows(logits, width, rows.size()), points.size()));
                return;
            }
            try (Run run = model.newRun()) {
                ForwardInput input = ForwardInput.of(rows.stream().map(j -> j.request().tokens()).toList()).logitsAt(logits);
                input = input.startingAt(start, run.manager().zeros(new Shape(rows.size(), input.layout().width(), config.hiddenSize())));
                if (!points.isEmpty()) {
                    run.cache(points);
                }
                ForwardResult result = run.forward(input);
                // the zeroed stream is realised by starting from zeros, not by a hook: every intervention of the request counts as fired
                FiredSites fired = new FiredSites();
                for (int row = 0; row < batch.size(); row++) {
                    for (Job job : batch.get(row)) {
                        sink.accept(job.index(), Readouts.read(result, row, job.request().readout(), 0, logits, Map.of())
                                .withFired(fired.of(job.request().interventions(), job.applied())));
                        progress.advance(1);
                    }
                }
            }
        }

        private void runBatch(List<Job> batch, Map<Job, Prompt> promptOf, Mode mode) {
            int start = batch.get(0).start();
            boolean writesLogits = batch.stream().flatMap(j -> j.applied().stream()).anyMatch(Planner::writesLogits);
            Positions logits = writesLogits ? Positions.ALL : commonLogits(batch);
            int length = batch.get(0).request().length();
            int first = mode == Mode.LAST ? length - 1 : 0;
            // the points this forward caches for its readouts: those before the start layer come from the clean run
            Set<HookPoint> points = new TreeSet<>();
            batch.forEach(j -> j.request().readout().activations().keySet().stream().filter(p -> !before(p, start)).forEach(points::add));
            if (schedule != null) {
                int width = mode == Mode.LAST ? 1 : batch.stream().mapToInt(j -> j.request().length()).max().orElseThrow();
                schedule.add(new ScheduledForward(key, batch.size(), width, start, first, logitRows(logits, width, batch.size()), points.size()));
                return;
            }
            try (Run run = model.newRun()) {
                NDManager manager = run.manager();
                List<int[]> tokens = new ArrayList<>();
                List<List<Intervention>> perRow = new ArrayList<>();
                for (Job job : batch) {
                    int[] prompt = job.request().tokens();
                    tokens.add(mode == Mode.LAST ? new int[] {prompt[prompt.length - 1]} : prompt);
                    perRow.add(job.applied());
                }
                ForwardInput input = ForwardInput.of(tokens).logitsAt(logits).withRowInterventions(perRow);
                if (start > 0) {
                    input = input.startingAt(start, residual(batch, promptOf, mode, manager, input.layout().width()));
                }
                if (mode == Mode.LAST) {
                    input = input.after(past(batch, promptOf, start, length - 1, manager));
                }
                if (!points.isEmpty()) {
                    run.cache(points);
                }
                FiredSites fired = FiredSites.watch(run, batch.stream().flatMap(j -> j.applied().stream()).toList());
                ForwardResult result = run.forward(input);
                for (int row = 0; row < batch.size(); row++) {
                    Job job = batch.get(row);
                    Prompt prompt = promptOf.get(job);
                    Map<HookPoint, TensorData> clean = new LinkedHashMap<>();
                    for (Map.Entry<HookPoint, Positions> read : job.request().readout().activations().entrySet()) {
                        if (before(read.getKey(), start)) {
                            clean.put(read.getKey(), Readouts.activation(prompt.clean.cache().get(read.getKey()), read.getKey(),
                                    prompt.clean.layout(), prompt.row, read.getValue(), 0));
                        }
                    }
                    sink.accept(job.index(), Readouts.read(result, row, job.request().readout(), first, logits, clean)
                            .withFired(fired.of(job.request().interventions(), job.applied())));
                    progress.advance(1);
                }
            }
        }

        /** The clean residual stream at the start layer, row by row, right-padded with zeros to the batch's width. */
        private NDArray residual(List<Job> batch, Map<Job, Prompt> promptOf, Mode mode, NDManager manager, int width) {
            HookPoint point = batch.get(0).from();
            NDList rows = new NDList();
            for (Job job : batch) {
                Prompt prompt = promptOf.get(job);
                NDArray stream = prompt.clean.cache().get(point);
                int length = prompt.length();
                NDArray row = mode == Mode.LAST
                        ? stream.get(new NDIndex("{}:{}, {}:{}", prompt.row, prompt.row + 1, length - 1, length))
                        : stream.get(new NDIndex("{}:{}, 0:{}", prompt.row, prompt.row + 1, length));
                // slices of the clean run's arrays are made in its manager: hand them to this run's, freed with it
                row.attach(manager);
                if (mode == Mode.FULL && length < width) {
                    NDArray pad = manager.zeros(new Shape(1, width - length, config.hiddenSize()));
                    row = NDArrays.concat(new NDList(row, pad), 1);
                }
                rows.add(row);
            }
            return rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
        }

        /** The clean keys and values of the positions before the last; one copy when every row shares a prompt. */
        private PastKeyValues past(List<Job> batch, Map<Job, Prompt> promptOf, int start, int length, NDManager manager) {
            Set<Prompt> distinct = new LinkedHashSet<>();
            batch.forEach(job -> distinct.add(promptOf.get(job)));
            List<Prompt> sources = distinct.size() == 1 ? List.copyOf(distinct) : batch.stream().map(promptOf::get).toList();
            NDArray[] keys = new NDArray[config.numLayers()];
            NDArray[] values = new NDArray[config.numLayers()];
            for (int layer = start; layer < config.numLayers(); layer++) {
                keys[layer] = stack(sources, HookPoint.block(layer, HookSite.ATTN_ROT_K), length, manager);
                values[layer] = stack(sources, HookPoint.block(layer, HookSite.ATTN_V), length, manager);
            }
            return new PastKeyValues(length, keys, values);
        }

        private NDArray stack(List<Prompt> sources, HookPoint point, int length, NDManager manager) {
            NDList rows = new NDList();
            for (Prompt prompt : sources) {
                NDArray row = prompt.clean.cache().get(point).get(new NDIndex("{}:{}, 0:{}", prompt.row, prompt.row + 1, length));
                row.attach(manager);
                rows.add(row);
            }
            return rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
        }

        /** Packs items, in order, into batches whose rows × longest row stays within the budget. */
        private <T> List<List<T>> pack(List<T> items, java.util.function.ToIntFunction<T> width) {
            List<List<T>> batches = new ArrayList<>();
            List<T> current = new ArrayList<>();
            int widest = 0;
            for (T item : items) {
                int w = Math.max(widest, width.applyAsInt(item));
                if (!current.isEmpty() && (long) w * (current.size() + 1) > options.batchTokens()) {
                    batches.add(current);
                    current = new ArrayList<>();
                    w = width.applyAsInt(item);
                }
                current.add(item);
                widest = w;
            }
            if (!current.isEmpty()) {
                batches.add(current);
            }
            return batches;
        }
    }

    /** The plan's request indices by model key, in order of first appearance. */
    private static Map<String, List<Integer>> byModel(ForwardPlan plan) {
        Map<String, List<Integer>> byModel = new LinkedHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            byModel.computeIfAbsent(plan.requests().get(i).model(), m -> new ArrayList<>()).add(i);
        }
        return byModel;
    }

    /** Whether an intervention rewrites the logits (then every position's logits are computed, as on the plain path). */
    private static boolean writesLogits(Intervention intervention) {
        return intervention.site().rewrittenPoint().site() == HookSite.LOGITS;
    }

    /** A prompt's token ids as a map key. */
    private record PromptKey(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof PromptKey k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    private static boolean atLastOnly(Positions positions, int length) {
        if (positions.all()) {
            return length == 1;
        }
        for (int index : positions.indices()) {
            if (index != -1 && index != length - 1) {
                return false;
            }
        }
        return true;
    }
}
