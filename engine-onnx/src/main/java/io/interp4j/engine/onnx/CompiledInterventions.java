package io.interp4j.engine.onnx;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
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
    /** The row of an intervention that applies to every row. */
    private static final int EVERY_ROW = -1;

    /**
     * One compiled rewrite: an intervention of the run on every row, or a batch's per-row interventions
     * of one site and kind, each on its own row, with one mask (and value) carrying every row's.
     */
    private record Entry(Site site, String kind, List<Member> members) {
        boolean perRow() {
            return members.get(0).row() != EVERY_ROW;
        }
    }

    private record Member(int row, Intervention intervention) {}

    private final List<Entry> entries = new ArrayList<>();

    CompiledInterventions(List<Intervention> interventions) {
        this(interventions, List.of());
    }

    /**
     * The run's own interventions, then a batch's per-row interventions (see {@link #compilesRows}) grouped
     * by site and kind, in the order of their site names, so batches with the same sites share one graph.
     */
    CompiledInterventions(List<Intervention> interventions, List<List<Intervention>> perRow) {
        for (Intervention i : interventions) {
            entries.add(new Entry(i.site(), kind(i), List.of(new Member(EVERY_ROW, i))));
        }
        java.util.Map<String, List<Member>> grouped = new java.util.TreeMap<>();
        for (int row = 0; row < perRow.size(); row++) {
            for (Intervention i : perRow.get(row)) {
                grouped.computeIfAbsent(i.site().name() + "|row-" + kind(i), k -> new ArrayList<>()).add(new Member(row, i));
            }
        }
        grouped.values().forEach(members -> {
            Intervention first = members.get(0).intervention();
            entries.add(new Entry(first.site(), "row-" + kind(first), List.copyOf(members)));
        });
    }

    /**
     * Whether a batch's per-row interventions compile into the graph: each scales, zeroes or adds a vector of
     * the site's feature shape, or writes such a vector or one source prompt's activation, away from the logits and attention scores and patterns, one per row and
     * point (so their order within a row does not matter). Others run as hooks at cut points.
     */
    static boolean compilesRows(List<List<Intervention>> perRow, ModelConfig config) {
        for (List<Intervention> row : perRow) {
            java.util.Set<HookPoint> points = new java.util.HashSet<>();
            for (Intervention i : row) {
                Site site = i.site();
                boolean rewritable = switch (i.operation()) {
                    case ZERO, SCALE -> true;
                    case ADD -> i.value().isPresent() && Arrays.equals(i.value().get().shape(), i.featureShape(config));
                    case REPLACE -> i.value().isPresent() && (Arrays.equals(i.value().get().shape(), i.featureShape(config))
                            || isSourceActivation(i.value().get().shape(), i.featureShape(config)));
                    case MULTIPLY -> false;
                };
                if (!rewritable || site.positionAxis() != 1 || site.headAxis() == 1 || site.rewrittenPoint().site() == HookSite.LOGITS
                        || !points.add(site.rewrittenPoint())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether nothing is compiled in. */
    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether a value is one source prompt's activation, {@code [1, positions, feature...]}. */
    private static boolean isSourceActivation(long[] shape, long[] feature) {
        return shape.length == feature.length + 2 && shape[0] == 1 && Arrays.equals(Arrays.copyOfRange(shape, 2, shape.length), feature);
    }

    /** The hook points the compiled rewrites write. */
    List<HookPoint> points() {
        return entries.stream().map(e -> e.site().rewrittenPoint()).toList();
    }

    /** The number of compiled rewrites; {@link #inputs} and the input names take an index below it. */
    int size() {
        return entries.size();
    }

    /** The site of a compiled rewrite. */
    Site site(int index) {
        return entries.get(index).site();
    }

    /**
     * The kind of a compiled rewrite: {@code scale}, {@code add} or {@code replace} on every row, or for
     * per-row ones {@code row-scale} ({@code x − M·x}, the mask holding {@code 1 − s} on each row's positions,
     * so an untouched row keeps its value bit for bit), {@code row-add} ({@code x + M·V}, V holding each
     * row's {@code s·v}) and {@code row-replace} ({@code x + M·(V − x)}, V holding each row's vector).
     */
    String kind(int index) {
        return entries.get(index).kind();
    }

    /** What the graph depends on: per rewrite its site, whether it writes a value, and its kind. */
    List<String> structure() {
        List<String> key = new ArrayList<>();
        for (Entry e : entries) {
            key.add(e.site().name() + "|" + e.kind());
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

    /** The rewrites of a hook point's value, by index, in the order added. */
    List<Integer> at(HookPoint point) {
        List<Integer> result = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).site().rewrittenPoint().equals(point)) {
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
        Entry entry = entries.get(index);
        if (entry.perRow()) {
            return rowInputs(config, entry, batch, first, rows, keys, layout);
        }
        Intervention i = entry.members().get(0).intervention();
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
                long rowSize = elements(feature);
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

    /**
     * The inputs of per-row rewrites: a mask with a batch axis where each member marks its own row's
     * selected positions (and heads) — with {@code 1 − s} for {@code row-scale}, else 1 — and for
     * {@code row-add} a value {@code [batch, 1, feature...]} holding each row's {@code s·v}, for
     * {@code row-replace} a value {@code [batch, positions, feature...]} holding what each selected position
     * is written (the row's vector, or its source activation's row for that position).
     */
    private static Inputs rowInputs(ModelConfig config, Entry entry, int batch, int first, int rows, int keys, BatchLayout layout) {
        Site site = entry.site();
        long[] full = site.rewrittenPoint().shape(config, batch, rows, keys);
        int headAxis = site.headAxis();
        int heads = headAxis >= 0 ? (int) full[headAxis] : 1;
        long[] maskShape = new long[full.length];
        Arrays.fill(maskShape, 1);
        maskShape[0] = batch;
        maskShape[1] = rows;
        if (headAxis >= 0) {
            maskShape[headAxis] = heads;
        }
        boolean add = entry.kind().equals("row-add");
        boolean writes = add || entry.kind().equals("row-replace");
        long[] feature = site.featureShape(config);
        int featureSize = (int) elements(feature);
        float[] mask = new float[batch * rows * heads];
        // row-add: one vector per row, broadcast over positions; row-replace: every position's written value
        boolean replace = entry.kind().equals("row-replace");
        float[] value = add ? new float[batch * featureSize] : replace ? new float[batch * rows * featureSize] : new float[] {0};
        boolean padded = layout != null && !layout.uniform();
        for (Member member : entry.members()) {
            Intervention i = member.intervention();
            int b = member.row();
            int offset = padded ? layout.offset(b) : 0;
            float weight = writes ? 1 : (float) (1 - (i.operation() == io.interp4j.api.intervention.Operation.ZERO ? 0 : i.scale()));
            int length = padded ? layout.length(b) : rows;
            float[] v = writes ? i.value().orElseThrow().data() : null;
            long sourceRows = replace && v.length != featureSize ? i.value().get().shape()[1] : -1;
            if (sourceRows >= 0 && i.positions().all() && sourceRows != first + length) {
                throw i.sourceLengthDiffers(sourceRows, first + length);
            }
            for (Positions.Selection selection : i.positions().select(first, length)) {
                int row = offset + selection.row();
                for (int h = 0; h < heads; h++) {
                    if (headAxis < 0 || i.heads().isEmpty() || i.heads().contains(h)) {
                        mask[(b * rows + row) * heads + h] = weight;
                    }
                }
                if (replace) {
                    int from = sourceRows < 0 ? 0 : (int) (i.sourceIndex(selection.index(), sourceRows) * featureSize);
                    System.arraycopy(v, from, value, (b * rows + row) * featureSize, featureSize);
                }
            }
            if (add) {
                for (int k = 0; k < featureSize; k++) {
                    value[b * featureSize + k] = (float) (i.scale() * v[k]);
                }
            }
        }
        long[] valueShape = {1};
        if (writes) {
            valueShape = new long[feature.length + 2];
            valueShape[0] = batch;
            valueShape[1] = replace ? rows : 1;
            System.arraycopy(feature, 0, valueShape, 2, feature.length);
        }
        return new Inputs(mask, maskShape, 0, value, valueShape);
    }

    /** The number of values in one position's slice of a site: the product of its feature shape. */
    private static long elements(long[] feature) {
        long size = 1;
        for (long d : feature) {
            size *= d;
        }
        return size;
    }

    static boolean supported(Intervention i) {
        // scores and patterns have a key axis whose length changes with the cache; values there are not compiled
        // a feature-wise gate has no compiled form yet; it runs as a hook
        return i.operation() != Operation.MULTIPLY
                && (i.site().headAxis() != 1 || i.operation() == Operation.ZERO || i.operation() == Operation.SCALE);
    }
}
