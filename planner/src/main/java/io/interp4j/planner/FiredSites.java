package io.interp4j.planner;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.model.Run;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a forward's interventions fired: an observer on every point the interventions rewrite records
 * that the engine's hook dispatch reached it (an engine that never dispatches a point never calls the
 * observer, nor the intervention hooked there), and the executor adds what it realised without a hook (a
 * zeroed contribution run as a skip). The study flags a request whose intervention never fired.
 */
final class FiredSites {
    private final Set<HookPoint> reached = ConcurrentHashMap.newKeySet();

    /**
     * Watches the points a forward's interventions rewrite.
     *
     * @param run the run, before its forward
     * @param interventions every intervention the forward applies, of any row
     * @return the watch
     */
    static FiredSites watch(Run run, Collection<Intervention> interventions) {
        FiredSites watch = new FiredSites();
        interventions.stream().map(i -> i.site().rewrittenPoint()).distinct()
                .forEach(point -> run.observe(point, (activation, context) -> watch.reached.add(point)));
        return watch;
    }

    /**
     * Returns the sites at which a request's interventions fired.
     *
     * @param requested the request's interventions
     * @param applied those the forward applied with hooks (the others were realised by the executor)
     * @return the site names
     */
    Set<String> of(List<Intervention> requested, List<Intervention> applied) {
        Set<String> fired = new TreeSet<>();
        for (Intervention intervention : requested) {
            if (!applied.contains(intervention) || reached.contains(intervention.site().rewrittenPoint())) {
                fired.add(intervention.site().name());
            }
        }
        return fired;
    }
}
