package io.interp4j.app.study;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.experiment.UnplannedWork;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.planner.PlanCost;
import io.interp4j.planner.Planner;
import io.interp4j.planner.ScheduledForward;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a dry run says a step will cost: its plans scheduled by the study's executor (batched forwards
 * and the positions they compute) and, when asked, priced by a {@link PlanCost} calibrated on each
 * study model (loaded for that; a variant costs what its base model costs), corrected by the ratio of
 * measured to priced seconds on a timed sample of the step's own requests.
 */
final class DryRunCosts implements AutoCloseable {
    /** About how many seconds of the calibration's cost each step's timed sample runs. */
    private static final double SAMPLE_SECONDS = 10;
    private final StudyPlan plan;
    private final boolean estimate;
    private final ModelPool pool;
    private final Map<String, PlanCost> calibrated = new LinkedHashMap<>();
    private final UnplannedCosts unplannedCosts;
    private final PluginRegistry registry;

    DryRunCosts(StudyPlan plan, PluginRegistry registry, boolean estimate) {
        this.plan = plan;
        this.registry = registry;
        this.estimate = estimate;
        this.pool = estimate ? new ModelPool(plan, registry) : null;
        this.unplannedCosts = new UnplannedCosts(plan, registry, pool);
    }

    /**
     * One step's cost.
     *
     * @param line what the dry run prints for it
     * @param seconds the estimated seconds of what was estimated
     * @param complete whether every forward of the step was estimated
     */
    record StepCost(String line, double seconds, boolean complete) {}

    /**
     * Prices a step: its plans, then each piece of its unplanned work, each on a line of its own.
     *
     * @param plans the step's forward plans
     * @param unplanned the step's work outside its plans
     * @param passes the step's forward passes ({@link io.interp4j.api.experiment.Experiment#forwardPasses}); any beyond the plans'
     *     and the unplanned work's are reported as not estimated
     */
    StepCost price(List<ForwardPlan> plans, List<UnplannedWork> unplanned, long passes) {
        List<String> lines = new ArrayList<>();
        double seconds = 0;
        boolean complete = true;
        long planned = plans.stream().mapToLong(ForwardPlan::size).sum();
        if (planned > 0) {
            StepCost cost = pricePlans(plans, planned);
            lines.add(cost.line());
            seconds += cost.seconds();
            complete &= cost.complete();
        }
        for (UnplannedWork work : unplanned) {
            UnplannedCosts.Cost cost = unplannedCosts.price(work, estimate);
            lines.add(cost.line());
            seconds += cost.seconds();
            complete &= cost.estimated();
        }
        long other = passes - planned - unplanned.stream().mapToLong(UnplannedWork::forwardPasses).sum();
        if (other > 0) {
            lines.add(String.format(Locale.ROOT, "%,d forward passes outside forward plans: not estimated", other));
            complete = false;
        }
        if (lines.isEmpty()) {
            lines.add("no forward passes");
        }
        return new StepCost(String.join(System.lineSeparator() + "     ", lines), seconds, complete && estimate);
    }

    /** Prices a step's forward plans ({@code planned} requests in all). */
    private StepCost pricePlans(List<ForwardPlan> plans, long planned) {
        boolean plain = plan.forwards().executor().equals("plain");
        Planner planner = new Planner(plan.forwards().options());
        long batches = 0;
        long positions = 0;
        double seconds = 0;
        String unpriced = null;
        for (ForwardPlan forwardPlan : plans) {
            List<ScheduledForward> schedule = plain ? List.of() : planner.schedule(forwardPlan, this::config);
            batches += plain ? forwardPlan.size() : schedule.size();
            for (ScheduledForward forward : schedule) {
                positions += (long) forward.rows() * forward.width() * (config(forward.model()).numLayers() - forward.startLayer());
            }
            if (!estimate) {
                continue;
            }
            unpriced = unpriced != null ? unpriced : unpriced(forwardPlan);
            if (unpriced == null) {
                seconds += modelled(forwardPlan, schedule, plain);
            }
        }
        String how = plain ? String.format(Locale.ROOT, "%,d planned requests, run one forward each (executor plain)", planned)
                : String.format(Locale.ROOT, "%,d planned requests in %,d batched forwards (%,d position-blocks)", planned, batches, positions);
        if (!estimate) {
            return new StepCost(how, 0, false);
        }
        if (unpriced != null) {
            return new StepCost(how + "; not estimated: model '" + unpriced + "' does not exist yet", 0, false);
        }
        Sample sample = sample(planner, plans, plain, seconds);
        double factor = sample.measured() / sample.modelled();
        return new StepCost(how + ", estimated " + duration(seconds * factor) + String.format(Locale.ROOT,
                " (the calibration's %s × %.2f, the ratio measured on a sample of %,d of %,d requests)", duration(seconds), factor, sample.requests(),
                planned), seconds * factor, true);
    }

    /** The name of a request model that does not exist yet (the study creates it), or null when all do. */
    private String unpriced(ForwardPlan forwardPlan) {
        for (ForwardRequest request : forwardPlan.requests()) {
            String name = ModelRef.parse(request.model()).name();
            if (!Files.isDirectory(plan.models().get(name).path())) {
                return name;
            }
        }
        return null;
    }

    /** The calibrated cost model's seconds for a plan, scheduling it. */
    private double modelled(Planner planner, ForwardPlan forwardPlan, boolean plain) {
        return modelled(forwardPlan, plain ? List.of() : planner.schedule(forwardPlan, this::config), plain);
    }

    /** The calibrated cost model's seconds for a plan and its schedule (empty for the plain executor). */
    private double modelled(ForwardPlan forwardPlan, List<ScheduledForward> schedule, boolean plain) {
        double seconds = 0;
        if (plain) {
            for (ForwardRequest request : forwardPlan.requests()) {
                seconds += cost(request.model()).plainSeconds(request.length());
            }
        } else {
            for (ScheduledForward forward : schedule) {
                seconds += cost(forward.model()).seconds(forward);
            }
        }
        return seconds;
    }

    /**
     * A sample of a step's requests, run and timed.
     *
     * @param requests how many requests it had
     * @param modelled the calibration's seconds for them
     * @param measured the seconds they took
     */
    private record Sample(int requests, double modelled, double measured) {}

    /**
     * Runs every request on an evenly spaced sample of each plan's prompts (all of a prompt's requests,
     * so that the sample batches and reuses as the step will), about {@value #SAMPLE_SECONDS} seconds
     * of the calibration's cost in all, and times it: the ratio of measured to modelled seconds corrects
     * the calibration's cost model for what it leaves out (the batches' real shapes, per-row
     * interventions, the executor's own work, and what the step does with each readout, see {@link
     * Comparing}). The calibration's four forwards alone priced the first measured 0.5B steps 1.25 to
     * 1.32 times too low. One prompt's requests run first, untimed (see the comment in the loop).
     */
    private Sample sample(Planner planner, List<ForwardPlan> plans, boolean plain, double modelledSeconds) {
        double fraction = Math.min(1, SAMPLE_SECONDS / modelledSeconds);
        PlanExecutor executor = plan.forwards().create();
        int requests = 0;
        double modelled = 0;
        double measured = 0;
        for (ForwardPlan forwardPlan : plans) {
            ForwardPlan sampled = samplePrompts(forwardPlan, fraction);
            requests += sampled.size();
            modelled += modelled(planner, sampled, plain);
            // a request on a variant (an adapter, a quantisation) runs on its base model: it costs what that costs
            Function<String, Model> models = key -> pool.forPlans(ModelRef.parse(key).name());
            // first, untimed, one prompt's requests: an engine that compiles a graph per intervention structure and start
            // layer (onnx) compiles nearly all of the step's graphs there, a one-time cost the step spreads over all of
            // its batches but a sample of a few prompts would count in full (it doubled onnx's ratio on the hub)
            ForwardPlan first = samplePrompts(sampled, 0);
            executor.execute(first, models, n -> { }, new Comparing(first));
            long started = System.nanoTime();
            executor.execute(sampled, models, n -> { }, new Comparing(sampled));
            measured += (System.nanoTime() - started) / 1e9;
        }
        return new Sample(requests, modelled, measured);
    }

    /**
     * What the sample does with each readout, so that its time is in the measured ratio: what the atlas
     * rows do with most readouts. The first readout with logits on a prompt (and model) is the reference
     * (the clean run, which the planner delivers first); every later one's last-position logits are
     * compared with it by the study's {@code kl-divergence} metric. Rows that also take a top-k overlap
     * do a little more; a step that reads no logits does none.
     */
    private final class Comparing implements ReadoutSink {
        private final ForwardPlan sampled;
        private final Metric kl = registry.metric("kl-divergence", ConfigFactory.empty());
        private final Map<String, TensorData> references = new HashMap<>();

        Comparing(ForwardPlan sampled) {
            this.sampled = sampled;
        }

        @Override
        public void accept(int index, ForwardReadout readout) {
            if (readout.logits() == null) {
                return;
            }
            ForwardRequest request = sampled.requests().get(index);
            float[] logits = readout.lastLogits();
            TensorData last = new TensorData(new long[] {1, logits.length}, logits);
            TensorData reference = references.putIfAbsent(request.model() + " " + Arrays.toString(request.tokens()), last);
            if (reference != null) {
                kl.compute(LogitComparison.of(reference, last));
            }
        }
    }

    /** The requests on an evenly spaced {@code fraction} of a plan's distinct prompts (at least one). */
    private static ForwardPlan samplePrompts(ForwardPlan forwardPlan, double fraction) {
        Map<String, Integer> prompts = new LinkedHashMap<>();
        for (ForwardRequest request : forwardPlan.requests()) {
            prompts.putIfAbsent(Arrays.toString(request.tokens()), prompts.size());
        }
        int take = (int) Math.max(1, Math.round(fraction * prompts.size()));
        Set<Integer> chosen = new HashSet<>();
        for (int i = 0; i < take; i++) {
            chosen.add((int) ((long) i * prompts.size() / take));
        }
        ForwardPlan.Builder sampled = ForwardPlan.builder();
        for (ForwardRequest request : forwardPlan.requests()) {
            if (chosen.contains(prompts.get(Arrays.toString(request.tokens())))) {
                sampled.add(request);
            }
        }
        return sampled.build();
    }

    /** The architecture of a request model's key (a variant has its base's). */
    private ModelConfig config(String key) {
        return plan.models().get(ModelRef.parse(key).name()).config();
    }

    /** The calibrated cost of a request model's base (which exists: see {@link #unpriced}). */
    private PlanCost cost(String key) {
        String name = ModelRef.parse(key).name();
        return calibrated.computeIfAbsent(name, n -> {
            Model model = pool.forPlans(n);
            return PlanCost.calibrate(model);
        });
    }

    String describeCalibration() {
        if (calibrated.isEmpty()) {
            return "estimate: no model calibrated";
        }
        StringBuilder text = new StringBuilder("estimate from a calibration on each loaded model (this machine, now):");
        calibrated.forEach((name, cost) -> text.append(String.format(Locale.ROOT,
                "%n  %s: %.3g ms per block and forward + %.3g µs per block and position, %.3g µs per unembedded position", name,
                cost.perLayer() * 1e3, cost.perLayerPosition() * 1e6, cost.perLogit() * 1e6)));
        return text.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (seconds == 0) {
            return "0 s";
        }
        if (seconds < 1) {
            return String.format(Locale.ROOT, "%.3g ms", seconds * 1e3);
        }
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
