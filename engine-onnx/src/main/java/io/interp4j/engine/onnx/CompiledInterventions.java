package io.interp4j.engine.onnx;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Interventions compiled into the graph, so they need no cut. Each becomes
 * {@code x·(1 − M) + M·r} (replace), {@code x + M·s·v} (add) or {@code x·(1 − M + M·s)} (scale,
 * zero with s = 0) on the rewritten value — or on {@code resid_post − resid_pre} for a contribution —
 * where the selection mask {@code M} (positions × heads), the scale and the value are inputs computed
 * in Java for each forward. The graph's shape depends only on {@link #structure}, so one compiled
 * graph serves every position, head, scale and value.
 */
final class CompiledInterventions {
    private final List<Intervention> interventions;

    CompiledInterventions(List<Intervention> interventions) {
        this.interventions = List.copyOf(interventions);
    }

    List<Intervention> all() {
        return interventions;
    }

    /** What the graph depends on: per intervention its site, whether it writes a value, and its kind. */
    List<String> structure() {
        List<String> key = new ArrayList<>();
        for (Intervention i : interventions) {
            key.add(i.site().name() + "|" + kind(i));
        }
        return key;
    }

    /** {@code scale} (zero and scale), {@code add}, {@code replace}. */
    static String kind(Intervention i) {
        return switch (i.operation()) {
            case ZERO, SCALE -> "scale";
            case ADD -> "add";
            case REPLACE -> "replace";
            case MULTIPLY -> throw new IllegalStateException("multiply runs as a hook");
        };
    }

    static String mask(int index) {
        return "iv" + index + ".mask";
    }

    static String scale(int index) {
        return "iv" + index + ".scale";
    }

    static String value(int index) {
        return "iv" + index + ".value";
    }

    /** The interventions that rewrite a hook point's value, with their indices, in the order added. */
    List<Integer> at(HookPoint point) {
        List<Integer> result = new ArrayList<>();
        for (int i = 0; i < interventions.size(); i++) {
            if (interventions.get(i).site().rewrittenPoint().equals(point)) {
                result.add(i);
            }
        }
        return result;
    }

    /** Runtime inputs of one intervention for a forward of {@code rows} positions starting at {@code first}. */
    record Inputs(float[] mask, long[] maskShape, float scale, float[] value, long[] valueShape) {}

    /**
     * Computes the inputs of intervention {@code index}. With a padded layout the mask (and a source
     * activation's gathered rows) get a batch axis: each row selects its own positions, as
     * {@code InterventionHooks} does for the same layout ({@code last} is each row's last real token).
     *
     * @param config the model
     * @param index the intervention
     * @param batch the batch size
     * @param first the position of the first row
     * @param rows the rows of this forward
     * @param keys the attention keys of this forward
     * @param layout where each batch row's real positions lie, or {@code null} when every row fills the forward
     * @return mask, scale and value
     */
    Inputs inputs(ModelConfig config, int index, int batch, int first, int rows, int keys, BatchLayout layout) {
        Intervention i = interventions.get(index);
        Site site = i.site();
        long[] full = site.rewrittenPoint().shape(config, batch, rows, keys);
        int positionAxis = site.positionAxis();
        int headAxis = site.headAxis();
        boolean perRow = layout != null && !layout.uniform();
        int batchRows = perRow ? batch : 1;
        long[] maskShape = new long[full.length];
        Arrays.fill(maskShape, 1);
        maskShape[0] = batchRows;
        maskShape[positionAxis] = rows;
        int heads = headAxis >= 0 ? (int) full[headAxis] : 1;
        if (headAxis >= 0) {
            maskShape[headAxis] = heads;
        }
        float[] mask = new float[batchRows * rows * heads];
        List<List<Positions.Selection>> selections = new ArrayList<>();
        for (int b = 0; b < batchRows; b++) {
            int offset = perRow ? layout.offset(b) : 0;
            List<Positions.Selection> selected = i.positions().select(first, perRow ? layout.length(b) : rows);
            selections.add(selected);
            for (Positions.Selection selection : selected) {
                int row = offset + selection.row();
                for (int h = 0; h < heads; h++) {
                    if (headAxis < 0 || i.heads().isEmpty() || i.heads().contains(h)) {
                        // mask layout follows the axis order: heads before positions at scores/patterns
                        int flat = headAxis >= 0 && headAxis < positionAxis ? h * rows + row : row * heads + h;
                        mask[b * rows * heads + flat] = 1;
                    }
                }
            }
        }
        float scale = switch (i.operation()) {
            case ZERO -> 0;
            case SCALE, ADD -> (float) i.scale();
            case REPLACE, MULTIPLY -> 1;
        };
        float[] value = new float[] {0};
        long[] valueShape = {1};
        if (i.value().isPresent()) {
            TensorData v = i.value().get();
            long[] feature = i.featureShape(config);
            boolean activation = v.shape().length == feature.length + 2;
            if (!activation) {
                value = v.data();
                valueShape = v.shape();
            } else {
                // a source activation: gather the source row of every selected position into a full tensor
                long rowSize = 1;
                for (long d : feature) {
                    rowSize *= d;
                }
                long sourceRows = v.shape()[1];
                float[] source = v.data();
                float[] gathered = new float[(int) (batchRows * rows * rowSize)];
                for (int b = 0; b < batchRows; b++) {
                    int length = perRow ? layout.length(b) : rows;
                    if (i.positions().all() && sourceRows != first + length) {
                        throw i.sourceLengthDiffers(sourceRows, first + length);
                    }
                    int offset = perRow ? layout.offset(b) : 0;
                    for (Positions.Selection selection : selections.get(b)) {
                        long index2 = i.sourceIndex(selection.index(), sourceRows);
                        System.arraycopy(source, (int) (index2 * rowSize), gathered, (int) ((b * rows + offset + selection.row()) * rowSize),
                                (int) rowSize);
                    }
                }
                value = gathered;
                valueShape = new long[feature.length + 2];
                valueShape[0] = batchRows;
                valueShape[1] = rows;
                System.arraycopy(feature, 0, valueShape, 2, feature.length);
            }
        }
        return new Inputs(mask, maskShape, scale, value, valueShape);
    }

    static boolean supported(Intervention i) {
        // scores and patterns have a key axis whose length changes with the cache; values there are not compiled
        // a feature-wise gate has no compiled form yet; it runs as a hook
        return i.operation() != Operation.MULTIPLY
                && (i.site().headAxis() != 1 || i.operation() == Operation.ZERO || i.operation() == Operation.SCALE);
    }
}
