package io.interp4j.api.intervention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.Run;
import java.util.List;

/**
 * Executes interventions with hooks, so every engine that runs Java hooks runs every intervention.
 * Engines that compile interventions natively must give the same results (the contract suite checks
 * both against the reference). A contribution site captures {@code hook_resid_pre} of its block and
 * rewrites {@code hook_resid_post} as {@code resid_pre + op(resid_post − resid_pre)}.
 *
 * @since 0.1
 */
@Internal
public final class InterventionHooks {
    private InterventionHooks() {}

    /**
     * Adds the hooks that execute an intervention to a run.
     *
     * @param run the run
     * @param intervention the intervention, checked against the run's model first
     */
    public static void install(Run run, Intervention intervention) {
        intervention.checkIn(run.config());
        Site site = intervention.site();
        if (site instanceof Site.Contribution contribution) {
            NDArray[] residPre = new NDArray[1];
            // observed, not hooked: the block's input is resid_pre after every intervention there
            run.observe(HookPoint.block(contribution.layer(), HookSite.RESID_PRE), (activation, context) -> residPre[0] = activation);
            run.hook(HookPoint.block(contribution.layer(), HookSite.RESID_POST), (activation, context) -> {
                NDArray before = residPre[0];
                residPre[0] = null;
                if (before == null) {
                    throw new Interp4jException(ErrorCode.HOOK_ERROR, "contribution of block " + contribution.layer()
                            + ": hook_resid_pre was not seen before hook_resid_post");
                }
                NDArray delta = activation.sub(before);
                return before.add(apply(intervention, delta, context));
            });
        } else {
            run.hook(site.rewrittenPoint(), (activation, context) -> apply(intervention, activation, context));
        }
    }

    /**
     * Applies an intervention to one activation (every batch row alike), returning a new array.
     *
     * @param intervention the intervention
     * @param activation the activation at the intervention's site
     * @param context where the forward is
     * @return the rewritten activation
     */
    static NDArray apply(Intervention intervention, NDArray activation, HookContext context) {
        NDArray out = activation.duplicate();
        applyInPlace(intervention, out, context, -1);
        return out;
    }

    /**
     * Applies an intervention in place to one batch row of an activation, or to every row. Each row's
     * positions are its own (a padded batch's layout in the context says where they lie).
     *
     * @param intervention the intervention
     * @param out the activation at the intervention's site, written in place
     * @param context where the forward is
     * @param batchRow the row, or −1 for every row
     */
    static void applyInPlace(Intervention intervention, NDArray out, HookContext context, int batchRow) {
        Site site = intervention.site();
        int positionAxis = site.positionAxis();
        int headAxis = site.headAxis();
        long[] shape = out.getShape().getShape();
        int width = (int) shape[positionAxis];
        NDArray value = intervention.value().map(v -> v.toNDArray(out.getManager())).orElse(null);
        boolean sourceActivation = value != null && value.getShape().dimension() == shape.length;
        List<Integer> heads = intervention.heads().isEmpty() ? null : intervention.heads();
        BatchLayout layout = context.layout();
        boolean perRow = batchRow >= 0 || (layout != null && !layout.uniform());
        int batch = (int) shape[0];
        int firstRow = batchRow >= 0 ? batchRow : 0;
        int lastRow = batchRow >= 0 ? batchRow : (perRow ? batch - 1 : 0);
        for (int b = firstRow; b <= lastRow; b++) {
            int offset = layout == null ? 0 : layout.offset(b);
            int length = layout == null ? width : layout.length(b);
            String batchIndex = perRow ? Integer.toString(b) : ":";
            for (Positions.Selection selection : intervention.positions().select(context.firstPosition(), length)) {
                int row = offset + selection.row();
                NDArray rowValue = value;
                if (sourceActivation) {
                    rowValue = sourceRow(intervention, value, selection, context.firstPosition() + length);
                }
                if (heads == null) {
                    write(intervention, out, index(batchIndex, positionAxis, row, headAxis, -1), rowValue, -1, !perRow);
                } else {
                    for (int head : heads) {
                        write(intervention, out, index(batchIndex, positionAxis, row, headAxis, head), rowValue, head, !perRow);
                    }
                }
            }
        }
    }

    /**
     * The source activation's row for a selected position: the same absolute position for {@code all}
     * and non-negative indices, the same offset from the end for negative ones (last maps to last).
     */
    private static NDArray sourceRow(Intervention intervention, NDArray source, Positions.Selection selection, int length) {
        long sourceRows = source.getShape().get(1);
        if (intervention.positions().all() && sourceRows != length) {
            throw intervention.sourceLengthDiffers(sourceRows, length);
        }
        return source.get(new NDIndex("0, {}", intervention.sourceIndex(selection.index(), sourceRows)));
    }

    private static NDIndex index(String batch, int positionAxis, int row, int headAxis, int head) {
        if (head < 0) {
            return positionAxis == 1 ? new NDIndex(batch + ", {}", row) : new NDIndex(batch + ", :, {}", row);
        }
        return headAxis == 2 ? new NDIndex(batch + ", {}, {}", row, head) : new NDIndex(batch + ", {}, {}", head, row);
    }

    private static void write(Intervention intervention, NDArray out, NDIndex index, NDArray value, int head, boolean keepsBatch) {
        NDArray current = out.get(index);
        NDArray slice = value;
        int featureDims = current.getShape().dimension() - (keepsBatch ? 1 : 0);
        if (slice != null && head >= 0 && slice.getShape().dimension() > featureDims) {
            // a per-head value [heads, d_head] (or a source row [heads, d_head]) contributes its row for this head
            slice = slice.get(new NDIndex("{}", head));
        }
        NDArray updated = switch (intervention.operation()) {
            case ZERO -> current.zerosLike();
            case SCALE -> current.mul(intervention.scale());
            case ADD -> current.add(slice.mul(intervention.scale()));
            case REPLACE -> current.zerosLike().add(slice);
            case MULTIPLY -> current.mul(slice);
        };
        out.set(index, updated);
    }
}
