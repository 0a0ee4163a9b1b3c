package io.interp4j.planner;

import io.interp4j.api.experiment.Progress;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plan.ReadoutSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The plain path: every request in its own run, its interventions installed with {@link
 * Run#intervene}, one unpadded forward of the whole prompt with every position unembedded. Slow, and
 * the reference that every faster executor must reproduce.
 */
public final class PlainExecutor implements PlanExecutor {
    @Override
    public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
        for (int index = 0; index < plan.size(); index++) {
            ForwardRequest request = plan.requests().get(index);
            Model model = models.apply(request.model());
            try (Run run = model.newRun()) {
                for (Intervention intervention : request.interventions()) {
                    run.intervene(intervention);
                }
                List<HookPoint> points = new ArrayList<>(request.readout().activations().keySet());
                if (!points.isEmpty()) {
                    run.cache(points);
                }
                FiredSites fired = FiredSites.watch(run, request.interventions());
                ForwardResult result = run.forward(request.tokens());
                sink.accept(index, Readouts.read(result, 0, request.readout(), 0, Positions.ALL, Map.of())
                        .withFired(fired.of(request.interventions(), request.interventions())));
            }
            progress.advance(1);
        }
    }
}
