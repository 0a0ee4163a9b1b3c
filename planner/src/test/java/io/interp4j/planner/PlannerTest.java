package io.interp4j.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.ForwardingModel;
import io.interp4j.api.model.ForwardingRun;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.model.EngineProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner against the plain path it replaces: every readout of a mixed plan (clean requests,
 * ablations at every layer and head, last-position steering, patching, the embedding, the final norm
 * and the logits; prompts of different lengths, repeated prompts, two models) equals the plain
 * executor's within 1e-5, at every batch and cache bound — on each engine ({@link PlannerDjlTest},
 * {@link PlannerOnnxTest}), since each batches and intervenes per row in its own way.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
abstract class PlannerTest {
    private static final double TOLERANCE = 1e-5;
    private static final int VOCAB = 300;
    private static final ModelConfig A = ModelConfig.of(VOCAB, 32, 64, 4, 4, 2, false);
    private static final ModelConfig B = ModelConfig.of(VOCAB, 28, 56, 3, 7, 1, true);

    @TempDir
    static Path dir;

    private static Model a;
    private static Model b;
    private static ForwardPlan plan;
    private static List<ForwardReadout> plain;

    /** The engine the plans run on, on both paths. */
    protected abstract EngineProvider provider();

    @BeforeAll
    void loadAndRunThePlainPath() {
        RandomCheckpoint.write(dir.resolve("a"), A, DType.F32, 5);
        RandomCheckpoint.write(dir.resolve("b"), B, DType.BF16, 6);
        a = provider().load(Checkpoint.open(dir.resolve("a")));
        b = provider().load(Checkpoint.open(dir.resolve("b")));
        plan = mixedPlan();
        AtomicLong progress = new AtomicLong();
        plain = new PlainExecutor().execute(plan, PlannerTest::model, progress::addAndGet);
        assertThat(progress.get()).isEqualTo(plan.size());
    }

    @AfterAll
    void close() {
        a.close();
        b.close();
    }

    private static Model model(String name) {
        return name.equals("a") ? a : b;
    }

    private static int[] tokens(int length, long seed) {
        return new Random(seed).ints(length, 0, VOCAB).toArray();
    }

    private static TensorData vector(int size, long seed) {
        Random random = new Random(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return new TensorData(new long[] {size}, v);
    }

    /** A plan with every kind of request the atlas makes, on both models. */
    static ForwardPlan mixedPlan() {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        List<int[]> prompts = List.of(tokens(5, 1), tokens(9, 2), tokens(1, 3), tokens(5, 1), tokens(7, 4));
        for (String name : List.of("a", "b")) {
            ModelConfig config = name.equals("a") ? A : B;
            int layers = config.numLayers();
            for (int[] prompt : prompts) {
                plan.add(ForwardRequest.clean(name, prompt));
                plan.add(new ForwardRequest(name, prompt, List.of(), Readout.logits(Positions.ALL)
                        .and(HookPoint.block(1, HookSite.RESID_POST), Positions.LAST)
                        .and(HookPoint.block(0, HookSite.ATTN_PATTERN), Positions.ALL)));
                for (int layer = 0; layer < layers; layer++) {
                    plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.parse("blocks." + layer + ".contribution"),
                            Positions.ALL))));
                    plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.layerOutput(layer), Positions.ALL))));
                    for (double scale : new double[] {-3, 0.5, 4}) {
                        plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.add(Site.layerOutput(layer), Positions.LAST, scale,
                                vector(config.hiddenSize(), 9), "steer"))));
                    }
                }
                for (int head = 0; head < config.numHeads(); head++) {
                    plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.parse("blocks.1.attn.hook_z"), Positions.ALL)
                            .withHeads(List.of(head)))));
                    plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.parse("blocks.2.attn.hook_z"), Positions.LAST)
                            .withHeads(List.of(head)))).reading(Readout.LAST_LOGITS.and(HookPoint.block(0, HookSite.RESID_POST), Positions.ALL)
                            .and(HookPoint.block(2, HookSite.RESID_POST), Positions.LAST)));
                }
                // blocks skipped outright: two consecutive contributions zeroed, read after them; one read inside a zeroed block
                plan.add(new ForwardRequest(name, prompt, List.of(Intervention.zero(Site.parse("blocks.1.contribution"), Positions.ALL),
                        Intervention.zero(Site.parse("blocks.2.contribution"), Positions.ALL)), Readout.LAST_LOGITS
                        .and(HookPoint.block(2, HookSite.RESID_POST), Positions.ALL).and(HookPoint.block(0, HookSite.RESID_POST), Positions.LAST)));
                plan.add(new ForwardRequest(name, prompt, List.of(Intervention.zero(Site.parse("blocks.1.contribution"), Positions.ALL)),
                        Readout.LAST_LOGITS.and(HookPoint.block(1, HookSite.MLP_OUT), Positions.ALL)));
                // two interventions at different layers; the embedding; the final norm; the logits
                plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.parse("blocks.2.hook_mlp_out"), Positions.ALL),
                        Intervention.zero(Site.parse("blocks.1.hook_attn_out"), Positions.FIRST))));
                plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.parse("hook_embed"), Positions.LAST))));
                plan.add(ForwardRequest.intervened(name, prompt, List.of(new Intervention(io.interp4j.api.intervention.Operation.SCALE,
                        Site.parse("ln_final.hook_normalized"), Positions.LAST, List.of(), 0.5, java.util.Optional.empty(), "half"))));
                plan.add(ForwardRequest.intervened(name, prompt, List.of(new Intervention(io.interp4j.api.intervention.Operation.SCALE,
                        Site.parse("hook_logits"), Positions.ALL, List.of(), 2.0, java.util.Optional.empty(), "double")))
                        .reading(Readout.logits(Positions.of(0, -1))));
                // the residual stream zeroed after two blocks (the seed's skip of a span); zeroed, then steered after it;
                // zeroed and read inside the zeroed block
                plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.layerOutput(1), Positions.ALL),
                        Intervention.zero(Site.layerOutput(0), Positions.ALL))));
                plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.zero(Site.layerOutput(1), Positions.ALL),
                        Intervention.add(Site.layerOutput(2), Positions.LAST, 2.0, vector(config.hiddenSize(), 11), "after"))));
                plan.add(new ForwardRequest(name, prompt, List.of(Intervention.zero(Site.layerOutput(1), Positions.ALL)),
                        Readout.LAST_LOGITS.and(HookPoint.block(1, HookSite.MLP_OUT), Positions.ALL)
                                .and(HookPoint.block(2, HookSite.RESID_POST), Positions.ALL)));
                // patching the last position's residual from another prompt's clean run
                plan.add(ForwardRequest.intervened(name, prompt, List.of(Intervention.replace(Site.layerOutput(1), Positions.LAST,
                        vector(config.hiddenSize(), 13), "patched"))).reading(Readout.LAST_LOGITS.and(HookPoint.block(layers - 1,
                        HookSite.RESID_POST), Positions.LAST)));
            }
        }
        return plan.build();
    }

    static List<PlannerOptions> bounds() {
        return List.of(PlannerOptions.DEFAULTS, new PlannerOptions(12, 20_000), new PlannerOptions(1, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void everyReadoutEqualsThePlainPath(PlannerOptions options) {
        AtomicLong plannedProgress = new AtomicLong();
        long started = System.nanoTime();
        List<ForwardReadout> planned = new Planner(options).execute(plan, PlannerTest::model, plannedProgress::addAndGet);
        System.out.printf("planner %s: %d requests in %.1f s%n", options, plan.size(), (System.nanoTime() - started) / 1e9);
        assertThat(plannedProgress.get()).isEqualTo(plan.size());
        assertThat(planned).hasSameSizeAs(plain);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            ForwardReadout expected = plain.get(i);
            ForwardReadout actual = planned.get(i);
            String what = "request " + i + " (" + plan.requests().get(i) + ")";
            compare(what + " logits", actual.logits(), expected.logits(), failures);
            // every intervention of the mixed plan fires, on both paths (the planner's skipped blocks count as fired)
            List<String> sites = plan.requests().get(i).interventions().stream().map(v -> v.site().name()).distinct().sorted().toList();
            assertThat(actual.fired()).as(what + " fired").containsExactlyElementsOf(sites);
            assertThat(expected.fired()).as(what + " fired, plain").containsExactlyElementsOf(sites);
            assertThat(actual.activations().keySet()).containsExactlyElementsOf(expected.activations().keySet());
            for (Map.Entry<HookPoint, TensorData> entry : expected.activations().entrySet()) {
                compare(what + " " + entry.getKey(), actual.get(entry.getKey()), entry.getValue(), failures);
            }
        }
        assertThat(failures).as("planned readouts that differ from the plain path").isEmpty();
    }

    /**
     * Streaming: every request's readout reaches the sink exactly once, a prompt's clean readout before
     * the intervened readouts on it (the order {@link io.interp4j.api.plan.ReadoutSink} promises for the
     * planner), and the planner keeps none of them once the sink returned: a sink that drops them lets
     * every one be collected while the plan still runs.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void streamsEachReadoutOnceCleanFirstAndKeepsNone(PlannerOptions options) {
        int[] delivered = new int[plan.size()];
        java.util.Set<List<Object>> cleanSeen = new java.util.HashSet<>();
        List<String> early = new ArrayList<>();
        List<java.lang.ref.WeakReference<ForwardReadout>> dropped = new ArrayList<>();
        new Planner(options).execute(plan, PlannerTest::model, n -> { }, (index, readout) -> {
            delivered[index]++;
            ForwardRequest request = plan.requests().get(index);
            List<Object> prompt = List.of(request.model(), Arrays.toString(request.tokens()));
            if (request.interventions().isEmpty()) {
                cleanSeen.add(prompt);
            } else if (!cleanSeen.contains(prompt)) {
                early.add("request " + index);
            }
            dropped.add(new java.lang.ref.WeakReference<>(readout));
        });
        assertThat(delivered).as("deliveries per request").containsOnly(1);
        assertThat(early).as("intervened readouts delivered before their prompt's clean readout").isEmpty();
        for (int attempt = 0; attempt < 20 && dropped.stream().anyMatch(r -> r.get() != null); attempt++) {
            System.gc();
        }
        assertThat(dropped.stream().filter(r -> r.get() != null).count()).as("readouts still held after the plan ran").isZero();
    }

    /** A model whose runs are the model's own, wrapped: what a wrapper does not override goes to the wrapped run. */
    private abstract static class Wrapping extends ForwardingModel {
        private final Model model;

        Wrapping(Model model) {
            this.model = model;
        }

        @Override
        protected Model delegate() {
            return model;
        }

        @Override
        public Run newRun() {
            return wrap(model.newRun());
        }

        abstract Run wrap(Run run);
    }

    /** A run that forwards everything to another until a subclass overrides it. */
    private abstract static class Wrapped extends ForwardingRun {
        final Run run;

        Wrapped(Run run) {
            this.run = run;
        }

        @Override
        protected Run delegate() {
            return run;
        }
    }

    /** A model that records the shape of every batched forward its runs compute. */
    private static final class Recording extends Wrapping {
        private final String key;
        private final List<ScheduledForward> seen;

        Recording(Model model, String key, List<ScheduledForward> seen) {
            super(model);
            this.key = key;
            this.seen = seen;
        }

        @Override
        Run wrap(Run run) {
            return new Wrapped(run) {
                @Override
                public ForwardResult forward(ForwardInput input) {
                    ForwardResult result = run.forward(input);
                    int logitRows = (int) (result.logits().getShape().get(0) * result.logits().getShape().get(1));
                    seen.add(new ScheduledForward(key, input.batch(), input.layout().width(), input.startLayer(),
                            input.past() == null ? 0 : input.past().length(), logitRows, 0));
                    return result;
                }
            };
        }
    }

    /**
     * A model whose runs never dispatch one hook point (as an engine whose forward skips a hook would): hooks and
     * observers registered there, and row interventions there, are accepted and never called.
     */
    private static final class Deaf extends Wrapping {
        private final HookPoint deaf;

        Deaf(Model model, HookPoint deaf) {
            super(model);
            this.deaf = deaf;
        }

        @Override
        Run wrap(Run run) {
            return new Wrapped(run) {
                @Override
                public Run observe(HookPoint point, io.interp4j.api.hook.HookObserver observer) {
                    if (!point.equals(deaf)) {
                        run.observe(point, observer);
                    }
                    return this;
                }

                @Override
                public Run intervene(Intervention intervention) {
                    if (!intervention.site().rewrittenPoint().equals(deaf)) {
                        run.intervene(intervention);
                    }
                    return this;
                }

                @Override
                public ForwardResult forward(ForwardInput input) {
                    return run.forward(input.withRowInterventions(input.rowInterventions().stream().map(row -> row.stream()
                            .filter(v -> !v.site().rewrittenPoint().equals(deaf)).toList()).toList()));
                }
            };
        }
    }

    /** An intervention at a point the engine never reaches has not fired, on both paths; the others of its request have. */
    @Test
    void anInterventionAtAPointTheEngineNeverReachesDidNotFire() {
        HookPoint deaf = HookPoint.block(1, HookSite.MLP_OUT);
        Model deafA = new Deaf(a, deaf);
        int[] prompt = tokens(6, 21);
        ForwardPlan.Builder builder = ForwardPlan.builder();
        builder.add(ForwardRequest.intervened("a", prompt, List.of(Intervention.zero(Site.parse("blocks.1.hook_mlp_out"), Positions.ALL))));
        builder.add(ForwardRequest.intervened("a", prompt, List.of(Intervention.zero(Site.parse("blocks.0.hook_mlp_out"), Positions.ALL),
                Intervention.zero(Site.parse("blocks.1.hook_mlp_out"), Positions.LAST))));
        builder.add(ForwardRequest.intervened("a", prompt, List.of(Intervention.zero(Site.layerOutput(2), Positions.ALL))));
        builder.add(ForwardRequest.clean("a", prompt));
        ForwardPlan deafPlan = builder.build();
        for (List<ForwardReadout> readouts : List.of(new Planner(PlannerOptions.DEFAULTS).execute(deafPlan, n -> deafA, n -> { }),
                new PlainExecutor().execute(deafPlan, n -> deafA, n -> { }))) {
            assertThat(readouts.get(0).fired()).isEmpty();
            assertThat(readouts.get(1).fired()).containsExactly("blocks.0.hook_mlp_out");
            assertThat(readouts.get(2).fired()).containsExactly("blocks.2.hook_resid_post");
            assertThat(readouts.get(3).fired()).isEmpty();
        }
    }

    /**
     * Zeroing the whole residual stream after a block leaves nothing of the tokens: each block and prompt length
     * is computed once, in one row, for every prompt of that length, and each prompt's readout still equals its
     * own plain forward.
     */
    @Test
    void aZeroedResidualStreamIsComputedOncePerBlockAndPromptLength() {
        ForwardPlan.Builder builder = ForwardPlan.builder();
        List<int[]> prompts = List.of(tokens(6, 31), tokens(6, 32), tokens(4, 33), tokens(6, 34));
        for (int[] prompt : prompts) {
            builder.add(ForwardRequest.clean("a", prompt));
            for (int layer = 0; layer < A.numLayers(); layer++) {
                builder.add(ForwardRequest.intervened("a", prompt, List.of(Intervention.zero(Site.layerOutput(layer), Positions.ALL))));
            }
        }
        ForwardPlan zeroed = builder.build();
        List<ScheduledForward> ran = new ArrayList<>();
        List<ForwardReadout> planned = new Planner(PlannerOptions.DEFAULTS).execute(zeroed, n -> new Recording(a, "a", ran), n -> { });
        List<ForwardReadout> expected = new PlainExecutor().execute(zeroed, PlannerTest::model, n -> { });
        // one clean forward of the four prompts, then per block one forward of two rows: lengths 4 and 6
        assertThat(ran).hasSize(1 + A.numLayers());
        assertThat(ran.subList(1, ran.size())).allSatisfy(f -> assertThat(f.rows()).isEqualTo(2));
        assertThat(ran.subList(1, ran.size()).stream().map(ScheduledForward::startLayer).toList())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, A.numLayers()).boxed().toList());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < zeroed.size(); i++) {
            compare("request " + i, planned.get(i).logits(), expected.get(i).logits(), failures);
            assertThat(planned.get(i).fired()).isEqualTo(expected.get(i).fired());
        }
        assertThat(failures).isEmpty();
        // the prompts' readouts differ before the zeroed block and agree after it
        assertThat(planned.get(1).logits().data()).isEqualTo(planned.get(1 + A.numLayers() + 1).logits().data());
        assertThat(planned.get(0).logits().data()).isNotEqualTo(planned.get(A.numLayers() + 1).logits().data());
    }

    @Test
    void theScheduleIsWhatExecuteRuns() {
        for (PlannerOptions options : bounds()) {
            Planner planner = new Planner(options);
            List<ScheduledForward> scheduled = planner.schedule(plan, name -> model(name).config()).stream()
                    .map(f -> new ScheduledForward(f.model(), f.rows(), f.width(), f.startLayer(), f.past(), f.logitRows(), 0)).toList();
            List<ScheduledForward> ran = new ArrayList<>();
            Map<String, Model> recording = Map.of("a", new Recording(a, "a", ran), "b", new Recording(b, "b", ran));
            planner.execute(plan, recording::get, n -> { });
            assertThat(ran).as(options.toString()).containsExactlyElementsOf(scheduled);
        }
    }

    @Test
    void consecutiveChunksRunAloneReadBitForBitWhatTheWholePlanReads() {
        PlannerOptions options = new PlannerOptions(12, 20_000);
        Planner planner = new Planner(options);
        List<int[]> chunks = planner.chunks(plan, name -> model(name).config());
        assertThat(chunks).hasSizeGreaterThan(4);
        assertThat(chunks.stream().flatMapToInt(java.util.stream.IntStream::of).sorted().toArray())
                .as("every request in exactly one chunk").containsExactly(java.util.stream.IntStream.range(0, plan.size()).toArray());
        List<ForwardReadout> whole = planner.execute(plan, PlannerTest::model, n -> { });
        // runs of one, two and three chunks, the last run crossing from model a to model b
        List<String> failures = new ArrayList<>();
        int next = 0;
        for (int run = 1; next < chunks.size(); run = run % 3 + 1) {
            int[] indices = chunks.subList(next, Math.min(next + run, chunks.size())).stream()
                    .flatMapToInt(java.util.stream.IntStream::of).toArray();
            next += run;
            ForwardPlan.Builder part = ForwardPlan.builder();
            for (int index : indices) {
                part.add(plan.requests().get(index));
            }
            List<ForwardReadout> alone = planner.execute(part.build(), PlannerTest::model, n -> { });
            for (int i = 0; i < indices.length; i++) {
                ForwardReadout expected = whole.get(indices[i]);
                ForwardReadout actual = alone.get(i);
                if (!sameBits(expected.logits(), actual.logits()) || !expected.activations().keySet().equals(actual.activations().keySet())
                        || expected.activations().keySet().stream().anyMatch(p -> !sameBits(expected.get(p), actual.get(p)))) {
                    failures.add("request " + indices[i] + " " + plan.requests().get(indices[i]));
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    private static boolean sameBits(TensorData x, TensorData y) {
        return x == null ? y == null : y != null && java.util.Arrays.equals(x.shape(), y.shape()) && java.util.Arrays.equals(x.data(), y.data());
    }

    @Test
    void aCleanPlanReadsWhatThePlainPathReads() {
        ForwardPlan small = new ForwardPlan(List.of(ForwardRequest.clean("a", tokens(6, 20)), ForwardRequest.clean("a", tokens(3, 21))));
        List<ForwardReadout> planned = new Planner(PlannerOptions.DEFAULTS).execute(small, PlannerTest::model, n -> { });
        List<ForwardReadout> expected = new PlainExecutor().execute(small, PlannerTest::model, n -> { });
        assertThat(planned.get(0).logits().shape()).containsExactly(1, VOCAB);
        assertThat(planned.get(1).lastLogits()).hasSize(VOCAB);
        List<String> failures = new ArrayList<>();
        compare("first", planned.get(0).logits(), expected.get(0).logits(), failures);
        compare("second", planned.get(1).logits(), expected.get(1).logits(), failures);
        assertThat(failures).isEmpty();
    }

    private static void compare(String what, TensorData actual, TensorData expected, List<String> failures) {
        if (expected == null || actual == null) {
            if (expected != actual) {
                failures.add(what + ": one side has no value");
            }
            return;
        }
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            failures.add(what + ": shape " + Arrays.toString(actual.shape()) + ", plain " + Arrays.toString(expected.shape()));
            return;
        }
        float[] x = actual.data();
        float[] y = expected.data();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double error = Float.isInfinite(x[i]) || Float.isInfinite(y[i]) ? (x[i] == y[i] ? 0 : Double.POSITIVE_INFINITY) : Math.abs(x[i] - y[i]);
            if (!(error <= worst)) {
                worst = error;
            }
        }
        if (!(worst <= TOLERANCE)) {
            failures.add(what + ": max-abs difference " + worst);
        }
    }
}
