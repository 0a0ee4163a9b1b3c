package io.interp4j.engine.onnx;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionHooks;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.RowInterventions;
import io.interp4j.api.model.AbstractRun;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.PastKeyValues;
import io.interp4j.api.model.Run;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One scope of hooks, caches and result arrays on an {@link OnnxModel}. A forward runs the segments
 * of its plan in order — one fused graph unless a hook or a row intervention may replace a value;
 * after each, the active hook points whose values it handed out are seen as NDArrays, and a
 * replacement is fed to every later segment that reads it.
 */
final class OnnxRun extends AbstractRun {
    private final OnnxModel model;
    private final List<Intervention> interventions = new ArrayList<>();

    OnnxRun(OnnxModel model, NDManager manager) {
        super(model.config(), manager);
        this.model = model;
    }

    /** Keys and values of every layer for the positions processed so far, {@code [B, kv, P, d_head]}. */
    private static final class KvState implements AutoCloseable {
        final List<OnnxTensor> keys = new ArrayList<>();
        final List<OnnxTensor> values = new ArrayList<>();
        int length;
        /** Per row, how many leading positions are padding (a left-padded past); empty when none. */
        int[] pads = new int[0];

        /**
         * Earlier positions' keys and values in hook layout {@code [1 or batch, P, kv, d_head]}, as the
         * graph reads them ({@code [batch, kv, P, d_head]}, broadcast over rows); layers before the start
         * layer are not read and stay {@code null}.
         */
        static KvState of(OrtEnvironment env, ModelConfig config, PastKeyValues past, int startLayer, int batch) throws OrtException {
            KvState state = new KvState();
            try {
                for (int layer = 0; layer < config.numLayers(); layer++) {
                    state.keys.add(layer < startLayer ? null : graphLayout(env, past.key(layer), batch));
                    state.values.add(layer < startLayer ? null : graphLayout(env, past.value(layer), batch));
                }
            } catch (OrtException | RuntimeException e) {
                state.close();
                throw e;
            }
            state.length = past.length();
            state.pads = past.pads();
            return state;
        }

        private static OnnxTensor graphLayout(OrtEnvironment env, NDArray hookLayout, int batch) throws OrtException {
            long[] shape = hookLayout.getShape().getShape();
            int rows = (int) shape[0];
            int positions = (int) shape[1];
            int heads = (int) shape[2];
            int dh = (int) shape[3];
            float[] source = hookLayout.toFloatArray();
            float[] target = new float[batch * heads * positions * dh];
            for (int b = 0; b < batch; b++) {
                int from = rows == 1 ? 0 : b;
                for (int p = 0; p < positions; p++) {
                    for (int h = 0; h < heads; h++) {
                        System.arraycopy(source, ((from * positions + p) * heads + h) * dh, target, ((b * heads + h) * positions + p) * dh, dh);
                    }
                }
            }
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(target), new long[] {batch, heads, positions, dh});
        }

        @Override
        public void close() {
            keys.stream().filter(Objects::nonNull).forEach(OnnxTensor::close);
            values.stream().filter(Objects::nonNull).forEach(OnnxTensor::close);
            keys.clear();
            values.clear();
        }
    }

    /**
     * Compiles the intervention into the graph (no cut) when it can: every operation at every site
     * except values written into attention scores or patterns, which run as hooks.
     */
    @Override
    public Run intervene(Intervention intervention) {
        checkOpen();
        intervention.checkIn(model.config());
        if (CompiledInterventions.supported(intervention)) {
            interventions.add(intervention);
        } else {
            InterventionHooks.install(this, intervention);
        }
        return this;
    }

    /**
     * What one pass computes beyond its tokens: the padding layout, the first block with its residual
     * stream, the positions whose logits are computed, and the interventions per row.
     */
    private record Batch(int[][] tokens, BatchLayout layout, int startLayer, NDArray residual, Positions logits, RowInterventions rows,
            List<List<Intervention>> compiledRows) {
        static Batch plain(int[][] tokens, Positions logits) {
            return new Batch(tokens, BatchLayout.uniform(tokens.length, tokens[0].length), 0, null, logits, RowInterventions.of(List.of()),
                    List.of());
        }
    }

    @Override
    public ForwardResult forward(ForwardInput input) {
        checkOpen();
        ModelConfig config = model.config();
        input.check(config);
        BatchLayout layout = input.layout();
        // per-row interventions compile into the graph when they can (no cut, so the fused graph runs whole); a Java hook
        // at one of their points must see them applied first, as at a cut, so then they run as hooks
        List<List<Intervention>> perRow = input.rowInterventions();
        Set<HookPoint> hooked = hooks().hookedPoints(); // a copy: taken once, not per intervention
        boolean compiled = !perRow.isEmpty() && CompiledInterventions.compilesRows(perRow, config)
                && perRow.stream().flatMap(List::stream).noneMatch(i -> hooked.contains(i.site().rewrittenPoint()));
        Batch batch = new Batch(layout.pad(input.prompts(), 0), layout, input.startLayer(), input.residual(), input.logits(),
                RowInterventions.of(compiled ? List.of() : perRow), compiled ? perRow : List.of());
        try (KvState past = input.past() == null ? null : KvState.of(model.env(), config, input.past(), input.startLayer(), input.batch())) {
            NDArray logits = pass(batch, past, false, 0, manager(), manager());
            return new ForwardResult(logits, hooks().takeCache(), layout);
        } catch (OrtException e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        checkOpen();
        requireNonNull(options, "options is null");
        // greedy decoding reads the last position only; every position's logits only when something sees them
        HookPoint logitsPoint = HookPoint.global(HookSite.LOGITS);
        boolean allLogits = hooks().isActive(logitsPoint) || interventions.stream().anyMatch(i -> i.site().rewrittenPoint().equals(logitsPoint));
        try (NDManager scope = manager().newSubManager(); KvState kv = options.useKvCache() ? new KvState() : null) {
            return Decoding.greedy(model.config(), prompt, options, (tokens, step) -> {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = pass(Batch.plain(new int[][] {tokens}, allLogits ? Positions.ALL : Positions.LAST), kv, true, step,
                            stepScope, null);
                    long rows = logits.getShape().get(1);
                    return logits.get(new NDIndex(0, rows - 1)).toFloatArray();
                }
            });
        }
    }

    /**
     * Runs the segments for the new tokens after the positions in {@code kv} (if any); appends this
     * pass's keys and values to {@code kv} when {@code extend}.
     */
    private NDArray pass(Batch in, KvState kv, boolean extend, int step, NDManager output, NDManager cacheManager) {
        ModelConfig config = model.config();
        OrtEnvironment env = model.env();
        int[][] tokens = in.tokens();
        BatchLayout layout = in.layout();
        int batch = tokens.length;
        int queries = tokens[0].length;
        int start = kv == null ? 0 : kv.length;
        int keys = start + queries;
        List<AutoCloseable> owned = new ArrayList<>();
        NDArray direct = null;
        try (NDManager scope = output.newSubManager()) {
            Map<String, OnnxTensor> values = new HashMap<>();
            if (in.residual() == null) {
                long[] flat = new long[batch * queries];
                for (int b = 0; b < batch; b++) {
                    for (int p = 0; p < queries; p++) {
                        flat[b * queries + p] = tokens[b][p];
                    }
                }
                values.put(Qwen2Graph.IDS, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(flat), new long[] {batch, queries})));
            } else {
                values.put(Qwen2Graph.RESIDUAL, own(owned, toOnnx(env, in.residual())));
            }
            // padded rows (in this chunk or in the cached past) number their positions from their own first real token
            Decoding.Geometry geometry = Decoding.geometry(config, layout, start, kv == null ? new int[0] : kv.pads);
            values.put(Qwen2Graph.COS, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(geometry.cos()), geometry.ropeShape())));
            values.put(Qwen2Graph.SIN, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(geometry.sin()), geometry.ropeShape())));
            values.put(Qwen2Graph.MASK, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(geometry.mask()), geometry.maskShape())));
            // read by llm-int8 graphs only (each row's outlier columns over its real positions)
            values.put(Qwen2Graph.REAL, own(owned, OnnxTensor.createTensor(env, booleans(layout.real()), new long[] {batch, queries, 1},
                    OnnxJavaType.BOOL)));
            long[] logitRows = logitRows(layout, in.logits(), start);
            int selected = (int) (logitRows.length / batch);
            values.put(Qwen2Graph.LOGIT_ROWS, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(logitRows), new long[] {logitRows.length})));
            for (int layer = in.startLayer(); layer < config.numLayers(); layer++) {
                if (kv != null && kv.length > 0) {
                    values.put(Qwen2Graph.pastKey(layer), kv.keys.get(layer));
                    values.put(Qwen2Graph.pastValue(layer), kv.values.get(layer));
                } else {
                    long[] empty = {batch, config.numKvHeads(), 0, config.headDim()};
                    values.put(Qwen2Graph.pastKey(layer), own(owned, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty)));
                    values.put(Qwen2Graph.pastValue(layer), own(owned, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty)));
                }
            }
            CompiledInterventions compiledInterventions = new CompiledInterventions(interventions, in.compiledRows());
            BatchLayout padded = layout.uniform() ? null : layout;
            for (int i = 0; i < compiledInterventions.size(); i++) {
                // logits at chosen positions: an intervention there sees the selected positions as the forward's
                boolean gathered = !in.logits().all() && compiledInterventions.site(i).rewrittenPoint().site() == HookSite.LOGITS;
                CompiledInterventions.Inputs iv = gathered
                        ? compiledInterventions.inputs(config, i, batch, start, selected, keys, null)
                        : compiledInterventions.inputs(config, i, batch, start, queries, keys, padded);
                values.put(CompiledInterventions.mask(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(iv.mask()), iv.maskShape())));
                values.put(CompiledInterventions.scale(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {iv.scale()}),
                        new long[0])));
                values.put(CompiledInterventions.value(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(iv.value()), iv.valueShape())));
            }
            // row interventions run at hook points, before the run's own hooks there
            Set<HookPoint> active = new TreeSet<>(hooks().activePoints());
            active.addAll(in.rows().points());
            // the graph is cut only where Java code may replace a value; every other active point is an extra output
            Set<HookPoint> replaced = new TreeSet<>(hooks().hookedPoints());
            replaced.addAll(in.rows().points());
            Set<HookPoint> observed = new TreeSet<>(active);
            observed.removeAll(replaced);
            try (OnnxModel.Plan plan = model.plan(compiledInterventions, in.startLayer(), replaced, observed)) {
                GraphIr graph = plan.graph();
                HookPoint logitsPoint = HookPoint.global(HookSite.LOGITS);
                String logitsName = OnnxModel.graphValue(graph, logitsPoint);
                Firing seen = new Firing(in.rows(), hooks(), values, scope, cacheManager, owned, env);
                for (HookPoint point : active) {
                    String name = OnnxModel.graphValue(graph, point);
                    if (name != null && graph.isRuntimeInput(name)) {
                        seen.fire(point, name, new HookContext(point, start, keys, step, padded));
                    }
                }
                for (OnnxModel.CompiledSegment compiled : plan.segments()) {
                    Segments.Segment segment = compiled.segment();
                    Map<String, OnnxTensor> inputs = new HashMap<>();
                    for (String name : segment.inputs()) {
                        OnnxTensor value = values.get(name);
                        if (value == null) {
                            throw new IllegalStateException("segment input '" + name + "' was never produced");
                        }
                        inputs.put(name, value);
                    }
                    if (segment.weightsFed()) {
                        segment.weights().forEach(w -> inputs.put(w, model.weights().get(w)));
                    }
                    // what later segments read, the model's outputs, and the values of this forward's active points
                    Set<String> requested = new LinkedHashSet<>(segment.handedOn());
                    List<HookPoint> fired = segment.hooksAfter().stream().filter(active::contains).toList();
                    fired.forEach(point -> requested.add(OnnxModel.graphValue(graph, point)));
                    // no hook sees the logits: ONNX Runtime writes them straight into the array this forward returns,
                    // instead of into its own buffer that is then copied out twice (78 MB for 128 positions at 0.5B)
                    Map<String, OnnxTensor> pinned = new HashMap<>();
                    if (!active.contains(logitsPoint) && model.writesIntoArrays() && requested.remove(logitsName)) {
                        long[] shape = {batch, selected, config.vocabSize()};
                        direct = output.create(new Shape(shape), DataType.FLOAT32);
                        pinned.put(logitsName, own(owned, OnnxTensor.createTensor(env, direct.toByteBuffer(true).asFloatBuffer(), shape)));
                    }
                    OrtSession.Result result = pinned.isEmpty() ? compiled.session().run(inputs, requested)
                            : compiled.session().run(inputs, requested, pinned);
                    owned.add(result);
                    for (String name : requested) {
                        values.put(name, (OnnxTensor) result.get(name).orElseThrow());
                    }
                    for (HookPoint point : fired) {
                        seen.fire(point, OnnxModel.graphValue(graph, point), new HookContext(point, start, keys, step, padded));
                    }
                }
                if (kv != null && extend) {
                    List<OnnxTensor> newKeys = new ArrayList<>();
                    List<OnnxTensor> newValues = new ArrayList<>();
                    for (int layer = 0; layer < config.numLayers(); layer++) {
                        newKeys.add(copy(env, values.get(OnnxModel.presentKey(graph, layer))));
                        newValues.add(copy(env, values.get(OnnxModel.presentValue(graph, layer))));
                    }
                    kv.close();
                    kv.keys.addAll(newKeys);
                    kv.values.addAll(newValues);
                    kv.length = keys;
                }
                NDArray logits = direct != null ? direct : toNd(values.get(logitsName), output);
                direct = null;
                return logits;
            }
        } catch (OrtException e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            if (direct != null) {
                direct.close();
            }
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // releasing native memory on the way out
                }
            }
        }
    }

    /** Applies the row interventions, then the run's hooks, at a point and feeds a replacement on. */
    private record Firing(RowInterventions rows, HookDispatcher hooks, Map<String, OnnxTensor> values, NDManager scope, NDManager cacheManager,
            List<AutoCloseable> owned, OrtEnvironment env) {
        void fire(HookPoint point, String name, HookContext context) throws OrtException {
            NDArray activation = toNd(values.get(name), scope);
            NDArray current = rows.isActive(point) ? rows.apply(point, activation, context) : activation;
            if (hooks.isActive(point)) {
                current = hooks.apply(point, current, context, cacheManager);
            }
            if (current != activation) {
                values.put(name, own(owned, toOnnx(env, current)));
            }
        }
    }

    /** Booleans as ONNX Runtime reads a bool tensor: one byte each, 1 for true. */
    private static ByteBuffer booleans(boolean[] values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(values.length);
        for (boolean value : values) {
            buffer.put((byte) (value ? 1 : 0));
        }
        return buffer.flip();
    }

    /** The flat indices into {@code batch · width} whose logits are computed, row-major. */
    private static long[] logitRows(BatchLayout layout, Positions positions, int start) {
        int width = layout.width();
        if (positions.all()) {
            long[] all = new long[layout.batch() * width];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        int[][] selected = layout.selectEveryRow(positions, start);
        int count = selected[0].length;
        long[] flat = new long[layout.batch() * count];
        for (int b = 0; b < layout.batch(); b++) {
            for (int j = 0; j < count; j++) {
                flat[b * count + j] = (long) b * width + selected[b][j];
            }
        }
        return flat;
    }

    private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T value) {
        owned.add(value);
        return value;
    }

    private static NDArray toNd(OnnxTensor tensor, NDManager manager) {
        long[] shape = tensor.getInfo().getShape();
        FloatBuffer data = tensor.getFloatBuffer();
        return manager.create(data, new Shape(shape));
    }

    private static OnnxTensor toOnnx(OrtEnvironment env, NDArray array) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(array.toFloatArray()), array.getShape().getShape());
    }

    private static OnnxTensor copy(OrtEnvironment env, OnnxTensor tensor) throws OrtException {
        long[] shape = tensor.getInfo().getShape();
        FloatBuffer source = tensor.getFloatBuffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(source.remaining() * Float.BYTES).order(ByteOrder.nativeOrder());
        direct.asFloatBuffer().put(source);
        return OnnxTensor.createTensor(env, direct.asFloatBuffer(), shape);
    }

}
