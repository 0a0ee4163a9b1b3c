package io.interp4j.engine.onnx;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionHooks;
import io.interp4j.api.model.AbstractRun;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One scope of hooks, caches and result arrays on an {@link OnnxModel}. A forward runs the segments
 * for the run's active hook points in order; after each, the hooks at its cut see the value as an
 * NDArray, and a replacement is fed to every later segment that reads it.
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

        @Override
        public void close() {
            keys.forEach(OnnxTensor::close);
            values.forEach(OnnxTensor::close);
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

    @Override
    public ForwardResult forward(int[][] tokens) {
        checkOpen();
        Decoding.checkTokens(model.config(), tokens);
        NDArray logits = pass(tokens, null, 0, manager(), manager());
        return new ForwardResult(logits, hooks().takeCache());
    }

    @Override
    public Generation generate(int[] prompt, GenerationOptions options) {
        checkOpen();
        requireNonNull(options, "options is null");
        try (NDManager scope = manager().newSubManager(); KvState kv = options.useKvCache() ? new KvState() : null) {
            return Decoding.greedy(model.config(), prompt, options, (tokens, step) -> {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = pass(new int[][] {tokens}, kv, step, stepScope, null);
                    long vocab = logits.getShape().get(2);
                    float[] all = logits.toFloatArray();
                    float[] last = new float[(int) vocab];
                    System.arraycopy(all, (int) ((tokens.length - 1) * vocab), last, 0, (int) vocab);
                    return last;
                }
            });
        }
    }

    /** Runs the segments for the new tokens; appends to the KV state when one is given. */
    private NDArray pass(int[][] tokens, KvState kv, int step, NDManager output, NDManager cacheManager) {
        ModelConfig config = model.config();
        OrtEnvironment env = model.env();
        int batch = tokens.length;
        int queries = tokens[0].length;
        int start = kv == null ? 0 : kv.length;
        int keys = start + queries;
        List<AutoCloseable> owned = new ArrayList<>();
        try (NDManager scope = output.newSubManager()) {
            Map<String, OnnxTensor> values = new HashMap<>();
            long[] flat = new long[batch * queries];
            for (int b = 0; b < batch; b++) {
                for (int p = 0; p < queries; p++) {
                    flat[b * queries + p] = tokens[b][p];
                }
            }
            values.put(Qwen2Graph.IDS, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(flat), new long[] {batch, queries})));
            float[][] table = Decoding.ropeTable(config, start, queries);
            long[] ropeShape = {1, queries, 1, config.headDim()};
            values.put(Qwen2Graph.COS, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(table[0]), ropeShape)));
            values.put(Qwen2Graph.SIN, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(table[1]), ropeShape)));
            values.put(Qwen2Graph.MASK, own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(Decoding.causalMask(start, queries)),
                    new long[] {queries, keys})));
            for (int layer = 0; layer < config.numLayers(); layer++) {
                if (kv != null && kv.length > 0) {
                    values.put(Qwen2Graph.pastKey(layer), kv.keys.get(layer));
                    values.put(Qwen2Graph.pastValue(layer), kv.values.get(layer));
                } else {
                    long[] empty = {batch, config.numKvHeads(), 0, config.headDim()};
                    values.put(Qwen2Graph.pastKey(layer), own(owned, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty)));
                    values.put(Qwen2Graph.pastValue(layer), own(owned, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty)));
                }
            }
            CompiledInterventions compiledInterventions = new CompiledInterventions(interventions);
            for (int i = 0; i < interventions.size(); i++) {
                CompiledInterventions.Inputs in = compiledInterventions.inputs(config, i, batch, start, queries, keys);
                values.put(CompiledInterventions.mask(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(in.mask()), in.maskShape())));
                values.put(CompiledInterventions.scale(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {in.scale()}),
                        new long[0])));
                values.put(CompiledInterventions.value(i), own(owned, OnnxTensor.createTensor(env, FloatBuffer.wrap(in.value()), in.valueShape())));
            }
            GraphIr graph = model.graph(compiledInterventions);
            for (OnnxModel.CompiledSegment compiled : model.segments(compiledInterventions, hooks().activePoints())) {
                Segments.Segment segment = compiled.segment();
                Map<String, OnnxTensor> inputs = new HashMap<>();
                for (String name : segment.inputs()) {
                    OnnxTensor value = values.get(name);
                    if (value == null) {
                        throw new IllegalStateException("segment input '" + name + "' was never produced");
                    }
                    inputs.put(name, value);
                }
                OrtSession.Result result = compiled.session().run(inputs);
                owned.add(result);
                for (int i = 0; i < segment.outputs().size(); i++) {
                    values.put(segment.outputs().get(i), (OnnxTensor) result.get(i));
                }
                for (HookPoint point : segment.hooksAfter()) {
                    String name = OnnxModel.graphValue(graph, point);
                    NDArray activation = toNd(values.get(name), scope);
                    NDArray replaced = hooks().apply(point, activation, new HookContext(point, start, keys, step), cacheManager);
                    if (replaced != activation) {
                        values.put(name, own(owned, toOnnx(env, replaced)));
                    }
                }
            }
            if (kv != null) {
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
            NDArray logits = toNd(values.get(OnnxModel.graphValue(graph, HookPoint.global(HookSite.LOGITS))), output);
            return logits;
        } catch (OrtException e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // releasing native memory on the way out
                }
            }
        }
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
