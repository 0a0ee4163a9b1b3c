package io.interp4j.experiments.sweep;

import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.Model;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plan.PlansSink;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepExperimentTest extends TinyStudyTest {
    private static final String LAYER_SWEEP = "intervention { id = zero-ablation }, sweep { layer = all }";


    private static StepResult run(Experiment experiment) {
        return experiment.run(study, Progress.none());
    }

    @Test
    void zeroingEachLayerOutputMatchesAnIndependentKlAndTopKOverlap() {
        assertMatchesIndependentKlAndTopK(run(Steps.create("sweep", LAYER_SWEEP)));
    }

    @Test
    void pointsInPlansOfTheirOwnHandedOverTogetherMatchTheIndependentReferenceToo(@TempDir Path own) {
        List<List<Integer>> calls = new ArrayList<>();
        Planner planner = new Planner(PlannerOptions.DEFAULTS);
        PlanExecutor recording = new PlanExecutor() {
            @Override
            public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
                planner.execute(plan, models, progress, sink);
            }

            @Override
            public void execute(List<ForwardPlan> plans, Function<String, Model> models, Progress progress, PlansSink sink) {
                calls.add(plans.stream().map(ForwardPlan::size).toList());
                PlanExecutor.super.execute(plans, models, progress, sink);
            }
        };
        try (TinyStudy fresh = new TinyStudy(own, recording)) {
            // one point per plan: the clean runs and layer 0 in the first plan, layer 1 in the second
            SweepExperiment sweep = ((SweepExperiment) Steps.create("sweep", LAYER_SWEEP)).withPlanLogits(1);
            assertMatchesIndependentKlAndTopK(sweep.run(fresh, Progress.none()));
        }
        assertThat(calls).as("both plans handed over in one call").containsExactly(List.of(6 + 6, 6));
    }

    private static void assertMatchesIndependentKlAndTopK(StepResult result) {
        Table perPrompt = table(result, "per-prompt");
        assertThat(perPrompt.columns()).containsExactly("layer", "task", "family", "kl-divergence", "top-k-overlap");
        assertThat(perPrompt.rows()).hasSize(2 * 6);
        Model model = study.raw("main");
        Tokenizer tokenizer = model.requireTokenizer();
        Map<String, Task> tasks = new LinkedHashMap<>();
        study.suite("main").tasks().forEach(t -> tasks.put(t.id(), t));
        for (List<Object> row : perPrompt.rows()) {
            int layer = ((Number) cell(perPrompt, row, "layer")).intValue();
            int[] tokens = tokenizer.encode(tasks.get((String) cell(perPrompt, row, "task")).prompt());
            float[] clean = Independent.lastLogits(model, tokens);
            float[] zeroed = Independent.lastLogits(model, tokens, Intervention.zero(Site.layerOutput(layer), Positions.ALL));
            double kl = Independent.kl(clean, zeroed);
            assertThat(number(perPrompt, row, "kl-divergence")).as("KL at %s", row).isCloseTo(kl, within(1e-4 * Math.max(1, kl)));
            assertThat(number(perPrompt, row, "top-k-overlap")).as("top-5 at %s", row).isEqualTo(Independent.topKOverlap(clean, zeroed, 5));
            if (layer == 1) {
                // zeroing the last block's output zeroes the final norm's output, so every logit is 0 and
                // KL(P ‖ uniform) = log V − H(P)
                assertThat(number(perPrompt, row, "kl-divergence")).isCloseTo(Math.log(300) - Independent.entropy(clean), within(1e-4));
            }
        }
        assertThat(cell(perPrompt, perPrompt.rows().get(0), "task")).isEqualTo("cap-fr");
        assertThat(cell(perPrompt, perPrompt.rows().get(6), "layer")).as("the layer varies slowest").isEqualTo(1);
    }

    @Test
    void averagesPromptsPerFamilyThenTheFamilyMeans() {
        StepResult result = run(Steps.create("sweep", LAYER_SWEEP));
        Table perPrompt = table(result, "per-prompt");
        Table perFamily = table(result, "per-family");
        Table overall = table(result, "overall");
        assertThat(perFamily.columns()).containsExactly("layer", "family", "metric", "mean", "n");
        assertThat(overall.columns()).containsExactly("layer", "metric", "mean", "prompt-mean", "families", "prompts");

        double bestMean = Double.NEGATIVE_INFINITY;
        int bestLayer = -1;
        for (int layer = 0; layer < 2; layer++) {
            for (String metric : List.of("kl-divergence", "top-k-overlap")) {
                Map<String, List<Double>> byFamily = new LinkedHashMap<>();
                List<Double> all = new ArrayList<>();
                for (List<Object> row : perPrompt.rows()) {
                    if (((Number) cell(perPrompt, row, "layer")).intValue() == layer) {
                        double v = number(perPrompt, row, metric);
                        byFamily.computeIfAbsent((String) cell(perPrompt, row, "family"), f -> new ArrayList<>()).add(v);
                        all.add(v);
                    }
                }
                assertThat(byFamily.keySet()).containsExactly("factual_recall", "arithmetic", "copying");
                assertThat(byFamily.get("factual_recall")).hasSize(3);
                double sumOfMeans = 0;
                for (Map.Entry<String, List<Double>> e : byFamily.entrySet()) {
                    double mean = e.getValue().stream().mapToDouble(Double::doubleValue).sum() / e.getValue().size();
                    sumOfMeans += mean;
                    List<Object> row = find(perFamily, layer, metric, e.getKey());
                    assertThat(number(perFamily, row, "mean")).isCloseTo(mean, within(1e-12));
                    assertThat(number(perFamily, row, "n")).isEqualTo(e.getValue().size());
                }
                List<Object> row = find(overall, layer, metric, null);
                double meanOfMeans = sumOfMeans / 3;
                double promptMean = all.stream().mapToDouble(Double::doubleValue).sum() / 6;
                assertThat(number(overall, row, "mean")).isCloseTo(meanOfMeans, within(1e-12));
                assertThat(number(overall, row, "prompt-mean")).isCloseTo(promptMean, within(1e-12));
                assertThat(number(overall, row, "families")).isEqualTo(3);
                assertThat(number(overall, row, "prompts")).isEqualTo(6);
                if (metric.equals("kl-divergence") && meanOfMeans > bestMean) {
                    bestMean = meanOfMeans;
                    bestLayer = layer;
                }
            }
        }
        assertThat(result.summary()).containsEntry("metric", "kl-divergence").containsEntry("argmax-layer", bestLayer);
        assertThat((double) result.summary().get("argmax-mean")).isCloseTo(bestMean, within(1e-12));

        assertThat(result.charts()).extracting(Chart::type).containsExactly(ChartType.HEATMAP, ChartType.LINE_PER_SERIES);
        Chart heatmap = result.charts().get(0);
        assertThat(List.of(heatmap.x(), heatmap.y(), heatmap.value())).containsExactly("layer", "family", "kl-divergence");
        Table grid = table(result, heatmap.table());
        assertThat(grid.rows()).hasSize(2 * 3);
        for (List<Object> row : grid.rows()) {
            List<Object> family = find(perFamily, ((Number) row.get(0)).intValue(), "kl-divergence", (String) row.get(1));
            assertThat(row.get(2)).isEqualTo(cell(perFamily, family, "mean"));
        }
        Chart line = result.charts().get(1);
        assertThat(List.of(line.x(), line.y(), line.value())).containsExactly("layer", "metric", "mean");
        assertThat(table(result, line.table()).rows()).hasSize(2 * 2);
    }

    /** Finds the row of a layer and metric (and family, when given). */
    private static List<Object> find(Table table, int layer, String metric, String family) {
        return table.rows().stream()
                .filter(r -> ((Number) cell(table, r, "layer")).intValue() == layer && cell(table, r, "metric").equals(metric))
                .filter(r -> family == null || cell(table, r, "family").equals(family))
                .reduce((a, b) -> {
                    throw new AssertionError("two rows for " + layer + " " + metric + " " + family);
                })
                .orElseThrow(() -> new AssertionError("no row for " + layer + " " + metric + " " + family));
    }

    @Test
    void countsExactlyTheForwardsItRunsAndClosesEveryRun(@TempDir Path own) {
        try (TinyStudy fresh = new TinyStudy(own, new Planner(PlannerOptions.DEFAULTS))) {
            Experiment sweep = Steps.create("sweep", LAYER_SWEEP);
            assertThat(sweep.forwardPasses(fresh)).isEqualTo(6 * (1 + 2));
            Steps.Counter progress = new Steps.Counter();
            StepResult result = sweep.run(fresh, progress);

            assertThat(fresh.takeForwards()).isEqualTo(18);
            assertThat(progress.total()).isEqualTo(18);
            assertThat(result.summary()).containsEntry("forward-passes", 18L).containsEntry("auxiliary-forward-passes", 0L)
                    .containsEntry("points", 2).containsEntry("prompts", 6);
            assertThat(fresh.openRuns("main")).isZero();
            assertThat(fresh.isLoaded("other")).as("a model no plan reads is not loaded").isFalse();
        }
    }

    @Test
    void plansHoldWholePointsWhoseLogitsFitTheBudget() {
        List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3, 4});
        // 4 positions × 2^22 = 2^24 floats per point: four points fill the 2^26 budget
        assertThat(SweepExperiment.PLAN_LOGITS).isEqualTo(1L << 26);
        long budget = SweepExperiment.PLAN_LOGITS;
        assertThat(SweepExperiment.chunks(9, prompts, 1 << 22, budget))
                .containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7), List.of(8));
        assertThat(SweepExperiment.chunks(3, prompts, 1 << 22, budget)).containsExactly(List.of(0, 1, 2));
        // a point over the budget still runs, alone
        assertThat(SweepExperiment.chunks(2, prompts, 1 << 25, budget)).containsExactly(List.of(0), List.of(1));
        // no points: one empty plan, which holds the clean forwards
        assertThat(SweepExperiment.chunks(0, prompts, 512, budget)).containsExactly(List.of());
    }

    @Test
    void plansResolveWithoutForwardsWhatNeedsNoneAndStandInForTheRest() {
        study.takeForwards();
        List<ForwardPlan> zero = Steps.create("sweep", "intervention { id = zero-ablation }, sweep { layer = [0, 1] }, split = test")
                .plans(study);
        assertThat(zero).hasSize(1);
        List<ForwardRequest> requests = zero.get(0).requests();
        assertThat(requests).hasSize(4 * 3);
        assertThat(requests.subList(0, 4)).allSatisfy(r -> assertThat(r.interventions()).isEmpty());
        assertThat(requests.get(4).interventions()).containsExactly(Intervention.zero(Site.layerOutput(0), Positions.ALL));
        assertThat(requests.get(11).interventions()).containsExactly(Intervention.zero(Site.layerOutput(1), Positions.ALL));
        assertThat(requests).allSatisfy(r -> assertThat(r.readout()).isEqualTo(Readout.logits(Positions.ALL)));

        // the means of mean-ablation come from a probe's forwards: a whole forward stands in for each request
        List<ForwardPlan> mean = Steps.create("sweep", "intervention { id = mean-ablation }, sweep { layer = [0, 1] }, split = test")
                .plans(study);
        assertThat(mean.get(0).requests().subList(4, 12)).allSatisfy(r -> assertThat(r.interventions())
                .containsExactly(Intervention.zero(new Site.AtHook(HookPoint.global(HookSite.EMBED)), Positions.ALL)));
        assertThat(study.takeForwards()).as("building plans runs nothing").isZero();
    }

    @Test
    void meanAblationComputesEachPointsMeanOnceAndCountsThoseForwardsApart() {
        Experiment sweep = Steps.create("sweep", "intervention { id = mean-ablation }, sweep { layer = [0, 1] }, split = test");
        assertThat(sweep.forwardPasses(study)).isEqualTo(4 * 3);
        study.takeForwards();
        StepResult result = run(sweep);
        // the reference set is the 4 test prompts; the activation-stats probe runs them once per point
        assertThat(result.summary()).containsEntry("forward-passes", 12L).containsEntry("auxiliary-forward-passes", 2 * 4L);
        assertThat(study.takeForwards()).isEqualTo(12 + 8);
        assertThat(table(result, "per-prompt").rows()).extracting(r -> r.get(1)).containsExactly(
                "cap-fr", "cap-it", "mul", "copy", "cap-fr", "cap-it", "mul", "copy");
    }

    @Test
    void sweepsEachHeadAloneWhenHeadsIsAll() {
        Experiment sweep = Steps.create("sweep", "intervention { id = zero-ablation, settings { site = head, layer = 1 } },"
                + " sweep { heads = all }, metrics = [ { id = kl-divergence } ], split = train");
        assertThat(sweep.forwardPasses(study)).isEqualTo(2 * (1 + 4));
        StepResult result = run(sweep);
        Table overall = table(result, "overall");
        assertThat(overall.rows()).extracting(r -> r.get(0)).containsExactly("[0]", "[1]", "[2]", "[3]");

        Model model = study.raw("main");
        int[] tokens = model.requireTokenizer().encode(study.suite("main").tasks().get(2).prompt());
        float[] clean = Independent.lastLogits(model, tokens);
        Site z = Site.parse("blocks.1.attn.hook_z");
        float[] zeroed = Independent.lastLogits(model, tokens, Intervention.zero(z, Positions.ALL).withHeads(List.of(2)));
        Table perPrompt = table(result, "per-prompt");
        List<Object> row = perPrompt.rows().stream().filter(r -> r.get(0).equals("[2]") && r.get(1).equals("cap-es")).findFirst().orElseThrow();
        assertThat(number(perPrompt, row, "kl-divergence")).isCloseTo(Independent.kl(clean, zeroed), within(1e-4));
        assertThat(result.summary()).containsKey("argmax-heads");
    }

    @Test
    void sweepsScalesAndLayersTogetherWithOneChartPerSlice() {
        Experiment sweep = Steps.create("sweep", "intervention { id = steering, settings { vector { from = random, norm = 3 } } },"
                + " sweep { scale = [0, 2], layer = [0, 1] }, metrics = [ { id = kl-divergence, name = kl } ], split = test");
        StepResult result = run(sweep);

        Table overall = table(result, "overall");
        assertThat(overall.columns()).startsWith("layer", "scale");
        assertThat(overall.rows()).extracting(r -> List.of(r.get(0), r.get(1)))
                .containsExactly(List.of(0, 0), List.of(0, 2), List.of(1, 0), List.of(1, 2));
        for (List<Object> row : overall.rows()) {
            double kl = number(overall, row, "mean");
            if (((Number) row.get(1)).intValue() == 0) {
                assertThat(kl).as("adding 0 × v changes nothing").isCloseTo(0, within(1e-6));
            } else {
                assertThat(kl).isGreaterThan(1e-4);
            }
        }
        assertThat(result.charts()).extracting(Chart::title).containsExactly(
                "kl: mean over each family's prompts, by layer [scale = 0]",
                "mean over families, by layer [scale = 0]",
                "kl: mean over each family's prompts, by layer [scale = 2]",
                "mean over families, by layer [scale = 2]",
                "mean over families, by scale [layer = 0]",
                "mean over families, by scale [layer = 1]");
        assertThat(table(result, "scale-metrics [layer = 1]").rows()).extracting(r -> r.get(0)).containsExactly(0, 2);
        assertThat(result.summary()).containsEntry("metric", "kl").containsEntry("argmax-scale", 2);
    }

    @Test
    void targetMetricsReadTheFirstTokenOfTheTarget() {
        StepResult result = run(Steps.create("sweep", "intervention { id = zero-ablation, settings { layer = 0 } },"
                + " metrics = [ { id = target-probability } ], split = train"));
        Table perPrompt = table(result, "per-prompt");
        assertThat(perPrompt.columns()).containsExactly("task", "family", "target-probability");
        Model model = study.raw("main");
        Tokenizer tokenizer = model.requireTokenizer();
        for (List<Object> row : perPrompt.rows()) {
            Task task = study.suite("main").tasks().stream().filter(t -> t.id().equals(row.get(0))).findFirst().orElseThrow();
            int target = tokenizer.encode(task.target())[0];
            float[] zeroed = Independent.lastLogits(model, tokenizer.encode(task.prompt()),
                    Intervention.zero(Site.layerOutput(0), Positions.ALL));
            assertThat(number(perPrompt, row, "target-probability")).isCloseTo(Math.exp(Independent.logSoftmax(zeroed)[target]), within(1e-5));
        }
        assertThat(result.summary()).containsKey("mean").doesNotContainKey("argmax-mean");
    }

    @Test
    void aTargetThatIsNotOneTokenIsFoundBeforeTheRunNamingTheTasks() {
        Tokenizer tokenizer = study.raw("main").requireTokenizer();
        assertThat(tokenizer.encode(" Paris")).as("the tiny vocabulary spells ' Paris' in pieces").hasSizeGreaterThan(1);
        Experiment sweep = Steps.create("sweep", "intervention.settings.layer = 1, target-rule = exact,"
                + " metrics = [ { id = kl-divergence }, { id = logit-difference } ]");
        // found before anything runs, listing the tasks
        assertThat(sweep.validate(study)).extracting(Object::toString).singleElement().asString()
                .startsWith("study.steps[1].settings.metrics[1].id: metric 'logit-difference' reads each task's target and wrong target as"
                        + " one token (target-rule = exact), which ")
                .contains("task 'cap-fr': the task's target has no token id: ").contains("is not a single token");
        assertThatThrownBy(() -> run(sweep))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("study.steps[1].settings.metrics[1].id: metric 'logit-difference' reads each task's target")
                .hasMessageContaining("target ' Paris' is not a single token");
        assertThat(TargetToken.resolve(" Paris", TargetToken.Rule.FIRST_TOKEN, tokenizer)).isEqualTo(tokenizer.encode(" Paris")[0]);
    }

    @Test
    void aModelWithoutATokenizerFailsNamingTheModelSetting() {
        Experiment sweep = Steps.create("sweep", "model = untokenized, sweep.layer = all");
        // found before anything runs: the sweep encodes its prompts to check what they decide
        assertThat(sweep.validate(study)).extracting(Object::toString).singleElement().asString().startsWith("study.steps[1].settings.model: model 'untokenized'")
                .contains("has no tokenizer.json");
        assertThatThrownBy(() -> run(sweep))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith("study.steps[1].settings.model: model 'untokenized'")
                .hasMessageContaining("has no tokenizer.json");
    }

    @Test
    void patchingReadsTheCorruptSetAndOtherModels() {
        Experiment sweep = Steps.create("sweep", "intervention { id = activation-patching, settings { positions = last,"
                + " source-model = other, source-prompts = clean } }, sweep { layer = [1] }, metrics = [ { id = kl-divergence } ]");
        study.takeForwards();
        StepResult result = run(sweep);
        assertThat(study.isLoaded("other")).isTrue();
        // one source forward on 'other' per prompt, counted apart from the sweep's own 6 + 6
        assertThat(result.summary()).containsEntry("forward-passes", 12L).containsEntry("auxiliary-forward-passes", 6L);
        assertThat(study.takeForwards()).isEqualTo(18);

        Model main = study.raw("main");
        Model other = study.raw("other");
        int[] tokens = main.requireTokenizer().encode(study.suite("main").tasks().get(0).prompt());
        float[] clean = Independent.lastLogits(main, tokens);
        float[] otherLast;
        try (io.interp4j.api.model.Run run = other.newRun()) {
            io.interp4j.api.hook.HookPoint point = Site.layerOutput(1).rewrittenPoint();
            io.interp4j.api.model.ForwardResult forward = run.cache(List.of(point)).forward(tokens);
            otherLast = io.interp4j.api.plugin.TensorData.of(forward.cache().get(point)).data();
        }
        Intervention patch = new Intervention(io.interp4j.api.intervention.Operation.REPLACE, Site.layerOutput(1), Positions.LAST,
                List.of(), 1, java.util.Optional.of(new io.interp4j.api.plugin.TensorData(new long[] {1, tokens.length, 32}, otherLast)), "");
        float[] patched = Independent.lastLogits(main, tokens, patch);
        Table perPrompt = table(result, "per-prompt");
        assertThat(number(perPrompt, perPrompt.rows().get(0), "kl-divergence")).isCloseTo(Independent.kl(clean, patched), within(1e-4));
    }
}
