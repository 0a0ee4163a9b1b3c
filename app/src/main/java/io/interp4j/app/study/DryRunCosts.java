package io.interp4j.app.study;

import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.planner.PlanCost;
import io.interp4j.planner.Planner;
import io.interp4j.planner.ScheduledForward;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a dry run says a step will cost: its plans scheduled by the study's executor (batched forwards
 * and the positions they compute) and, when asked, priced by a {@link PlanCost} calibrated on each
 * study model (loaded for that; a variant costs what its base model costs).
 */
final class DryRunCosts implements AutoCloseable {
    private final StudyPlan plan;
    private final boolean estimate;
    private final ModelPool pool;
    private final Map<String, PlanCost> calibrated = new LinkedHashMap<>();

    DryRunCosts(StudyPlan plan, PluginRegistry registry, boolean estimate) {
        this.plan = plan;
        this.estimate = estimate;
        this.pool = estimate ? new ModelPool(plan, registry) : null;
    }

    /**
     * One step's cost.
     *
     * @param line what the dry run prints for it
     * @param seconds the estimated seconds of what was estimated
     * @param complete whether every forward of the step was estimated
     */
    record StepCost(String line, double seconds, boolean complete) {}

    StepCost price(List<ForwardPlan> plans, long passes) {
        long planned = plans.stream().mapToLong(ForwardPlan::size).sum();
        long unplanned = passes - planned;
        String rest = unplanned > 0 ? String.format(Locale.ROOT, "; %,d more outside forward plans (training, generation): not estimated", unplanned) : "";
        if (planned == 0) {
            return new StepCost(unplanned > 0 ? rest.substring(2) : "no forward passes", 0, unplanned == 0);
        }
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
            if (plain) {
                for (ForwardRequest request : forwardPlan.requests()) {
                    PlanCost cost = cost(request.model());
                    if (cost == null) {
                        unpriced = ModelRef.parse(request.model()).name();
                        continue;
                    }
                    seconds += cost.plainSeconds(request.length());
                }
            } else {
                for (ScheduledForward forward : schedule) {
                    PlanCost cost = cost(forward.model());
                    if (cost == null) {
                        unpriced = ModelRef.parse(forward.model()).name();
                        continue;
                    }
                    seconds += cost.seconds(forward);
                }
            }
        }
        String how = plain ? String.format(Locale.ROOT, "%,d planned requests, run one forward each (executor plain)", planned)
                : String.format(Locale.ROOT, "%,d planned requests in %,d batched forwards (%,d position-blocks)", planned, batches, positions);
        if (!estimate) {
            return new StepCost(how + rest, 0, false);
        }
        if (unpriced != null) {
            return new StepCost(how + "; not estimated: model '" + unpriced + "' does not exist yet" + rest, seconds, false);
        }
        return new StepCost(how + ", estimated " + duration(seconds) + rest, seconds, unplanned == 0);
    }

    /** The architecture of a request model's key (a variant has its base's). */
    private ModelConfig config(String key) {
        return plan.models().get(ModelRef.parse(key).name()).config();
    }

    /** The calibrated cost of a request model's base, or null when it does not exist yet (the study creates it). */
    private PlanCost cost(String key) {
        String name = ModelRef.parse(key).name();
        if (!Files.isDirectory(plan.models().get(name).path())) {
            return null;
        }
        return calibrated.computeIfAbsent(name, n -> {
            Model model = pool.get(n);
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
