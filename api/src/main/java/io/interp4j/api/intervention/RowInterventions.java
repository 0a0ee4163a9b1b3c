package io.interp4j.api.intervention;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Interventions that differ between the rows of one batch (row i ablates head i, or layer i, or
 * steers with scale i), executed at hook points by any engine that runs Java hooks: each touches its
 * own row only, so every row equals the same intervention run alone (the contract suite checks it).
 * Rows with no intervention at a point keep their activation bit for bit.
 *
 * @since 0.2
 */
@Internal
public final class RowInterventions {
    private static final RowInterventions NONE = new RowInterventions(List.of());

    private record Entry(int row, Intervention intervention) {}

    private final Map<HookPoint, List<Entry>> rewrites = new HashMap<>();
    private final Map<HookPoint, List<Entry>> observed = new HashMap<>();
    private final Map<Integer, NDArray> residPre = new HashMap<>();
    private final Set<HookPoint> points = new TreeSet<>();

    private RowInterventions(List<List<Intervention>> perRow) {
        for (int row = 0; row < perRow.size(); row++) {
            for (Intervention intervention : perRow.get(row)) {
                Entry entry = new Entry(row, intervention);
                Site site = intervention.site();
                rewrites.computeIfAbsent(site.rewrittenPoint(), p -> new ArrayList<>()).add(entry);
                points.add(site.rewrittenPoint());
                if (site instanceof Site.Contribution contribution) {
                    HookPoint pre = HookPoint.block(contribution.layer(), HookSite.RESID_PRE);
                    observed.computeIfAbsent(pre, p -> new ArrayList<>()).add(entry);
                    points.add(pre);
                }
            }
        }
    }

    /**
     * Returns the interventions of a batch, one list per row.
     *
     * @param perRow one list per row; empty for none
     * @return the interventions
     */
    public static RowInterventions of(List<List<Intervention>> perRow) {
        requireNonNull(perRow, "perRow is null");
        return perRow.stream().allMatch(List::isEmpty) ? NONE : new RowInterventions(perRow);
    }

    /**
     * Returns the hook points where these interventions read or write.
     *
     * @return the points, in forward order
     */
    public Set<HookPoint> points() {
        return points;
    }

    /**
     * Returns whether a hook point is read or written.
     *
     * @param point the hook point
     * @return true if {@link #apply} must see it
     */
    public boolean isActive(HookPoint point) {
        return points.contains(point);
    }

    /**
     * Applies the interventions at a point, each to its own row; records a block's input for
     * interventions at its contribution.
     *
     * @param point the hook point
     * @param activation the activation there, {@code [batch, ...]}
     * @param context where the forward is (its layout says where each row's positions lie)
     * @return the activation itself when nothing is written here, else a rewritten copy
     */
    public NDArray apply(HookPoint point, NDArray activation, HookContext context) {
        NDArray current = activation;
        List<Entry> entries = rewrites.get(point);
        if (entries != null) {
            current = activation.duplicate();
            for (Entry entry : entries) {
                if (entry.intervention().site() instanceof Site.Contribution contribution) {
                    NDArray before = residPre.get(contribution.layer());
                    if (before == null) {
                        throw new Interp4jException(ErrorCode.HOOK_ERROR, "contribution of block " + contribution.layer()
                                + ": hook_resid_pre was not seen before hook_resid_post");
                    }
                    NDArray delta = current.sub(before);
                    InterventionHooks.applyInPlace(entry.intervention(), delta, context, entry.row());
                    NDIndex row = new NDIndex("{}", entry.row());
                    current.set(row, before.get(row).add(delta.get(row)));
                } else {
                    InterventionHooks.applyInPlace(entry.intervention(), current, context, entry.row());
                }
            }
        }
        if (observed.containsKey(point)) {
            residPre.put(point.layer(), current);
        }
        return current;
    }
}
