package io.interp4j.engine.onnx;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.AbstractModel;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Run;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.tokenizer.HfTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Qwen2 model on ONNX Runtime. Weights are ONNX Runtime tensors over the checkpoint's float32 data
 * (the memory mapping itself for float32 storage). The plain fused graph of the bare model from layer 0
 * receives them as initializers, which ONNX Runtime copies and prepacks for its matrix kernels; every
 * other graph (observing hook points, with compiled interventions or per-head outputs, cut where a hook
 * replaces a value, or starting at a later layer) reads them in place as inputs, so no observation,
 * intervention, hook set or start layer copies the weights. Compiled segments are cached per graph structure
 * (compiled interventions, start layer), set of replaced hook points and whether hook points are
 * observed, the least recently used beyond {@value #MAX_PLANS} closed.
 */
final class OnnxModel extends AbstractModel {
    /**
     * How many compiled plans (graph structure and hook set) stay cached. A sweep over start layers,
     * hook sets or intervention sites would otherwise keep every session it ever built.
     */
    private static final int MAX_PLANS = 32;

    private final OrtEnvironment env;
    private final GraphIr graph;
    private final Map<String, OnnxTensor> weights;
    private final NDManager manager;
    private final boolean writesIntoArrays;
    private final Map<PlanKey, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<GraphKey, GraphIr> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, long[]> weightShapes;

    /** A segment with its ONNX Runtime session. */
    record CompiledSegment(Segments.Segment segment, OrtSession session) {}

    /**
     * What a graph's nodes depend on: the compiled interventions' structure, the first block computed
     * and the blocks whose per-head outputs ({@code attn.hook_result}) are computed.
     */
    private record GraphKey(List<String> structure, int startLayer, Set<Integer> resultLayers) {}

    private record PlanKey(GraphKey graph, Set<HookPoint> cuts, boolean observe) {}

    /**
     * The segments of one graph cut at one set of hook points. A forward holds it from {@link
     * #plan} to {@link #close}; one evicted from the cache closes its sessions when the last holder
     * lets go.
     */
    static final class Plan implements AutoCloseable {
        private final GraphIr graph;
        private final List<CompiledSegment> segments;
        private int holders;
        private boolean evicted;

        private Plan(GraphIr graph, List<CompiledSegment> segments) {
            this.graph = graph;
            this.segments = segments;
        }

        GraphIr graph() {
            return graph;
        }

        List<CompiledSegment> segments() {
            return segments;
        }

        private synchronized Plan hold() {
            holders++;
            return this;
        }

        private synchronized void evict() {
            evicted = true;
            closeIfUnused();
        }

        @Override
        public synchronized void close() {
            holders--;
            closeIfUnused();
        }

        private void closeIfUnused() {
            if (evicted && holders <= 0) {
                segments.forEach(c -> closeQuietly(c.session()));
            }
        }
    }

    private final Quantization quantization;
    private final ThreadPolicy threads;

    private OnnxModel(Checkpoint checkpoint, OrtEnvironment env, GraphIr graph, Map<String, OnnxTensor> weights, HfTokenizer tokenizer,
            NDManager manager, Path adapter, Quantization quantization, Map<String, long[]> weightShapes, QuantizationReport report,
            ThreadPolicy threads) {
        super(OnnxEngineProvider.ID, checkpoint, tokenizer, adapter, report);
        this.quantization = quantization;
        this.threads = threads;
        this.weightShapes = weightShapes;
        this.env = env;
        this.graph = graph;
        this.weights = weights;
        this.manager = manager;
        this.writesIntoArrays = viewsArrayMemory(manager);
    }

    static OnnxModel load(Checkpoint checkpoint, LoadOptions options) {
        ThreadPolicy threads = ThreadPolicy.current();
        Map<String, OnnxTensor> weights = new LinkedHashMap<>();
        NDManager manager = null;
        LoraAdapter lora = null;
        try {
            if (options.adapter().isPresent()) {
                lora = LoraAdapter.open(options.adapter().get());
                lora.checkAgainst(checkpoint.config());
            }
            Map<String, LoraAdapter.Module> adapted = new java.util.HashMap<>();
            if (lora != null) {
                lora.modules().forEach(m -> adapted.put(m.baseWeight(), m));
            }
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            OrtEnvironment env = environment();
            Quantization quantization = options.quantization();
            GraphIr graph = Qwen2Graph.build(checkpoint.config(), quantization);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            QuantizationReport.Builder report = new QuantizationReport.Builder(quantization);
            for (String name : Qwen2Layout.expectedShapes(checkpoint.config()).keySet()) {
                long[] shape = checkpoint.info(name).shape();
                LoraAdapter.Module module = adapted.get(name);
                Quantization scheme = quantization.schemeFor(name, checkpoint.config());
                if (scheme != Quantization.NONE) {
                    float[] full = module == null ? checkpoint.readFloats(name) : lora.merge(module, checkpoint.readFloats(name));
                    QuantizedWeight q = QuantizedWeight.quantize(scheme, full, (int) shape[0], (int) shape[1]);
                    report.add(q, full);
                    if (scheme == Quantization.LLM_INT8) {
                        // LlmInt8Graph's MatMulInteger takes the codes [in, out]; the row absmax as they are
                        long[] codeShape = {shape[1], shape[0]};
                        weights.put(Qwen2Graph.codes(name), OnnxTensor.createTensor(env, direct(transposed(q.codes(), (int) shape[0], (int) shape[1])),
                                codeShape, OnnxJavaType.INT8));
                        weights.put(Qwen2Graph.scales(name), OnnxTensor.createTensor(env, direct(q.scales()), new long[] {shape[0]}, OnnxJavaType.FLOAT));
                        shapes.put(Qwen2Graph.codes(name), codeShape);
                        shapes.put(Qwen2Graph.scales(name), new long[] {shape[0]});
                        continue;
                    }
                    putBlocks(env, name, q, weights, shapes);
                    if (!name.equals(Qwen2Layout.EMBED)) {
                        continue; // read only as codes; a tied unembedding is also the embedding table, read in float32
                    }
                }
                ByteBuffer data = module == null ? checkpoint.float32(name) : direct(lora.merge(module, checkpoint.readFloats(name)));
                weights.put(name, OnnxTensor.createTensor(env, data, shape, OnnxJavaType.FLOAT));
                shapes.put(name, shape);
            }
            if (lora != null) {
                lora.close();
            }
            manager = NDManager.newBaseManager(Device.cpu(), Engine.getEngine("PyTorch").getEngineName());
            HfTokenizer tokenizer = checkpoint.tokenizerFile().map(HfTokenizer::load).orElse(null);
            return new OnnxModel(checkpoint, env, graph, weights, tokenizer, manager, options.adapter().orElse(null), quantization,
                    shapes, quantization == Quantization.NONE ? null : report.build(), threads);
        } catch (OrtException | RuntimeException e) {
            if (lora != null) {
                lora.close();
            }
            weights.values().forEach(OnnxTensor::close);
            if (manager != null) {
                manager.close();
            }
            checkpoint.close();
            if (e instanceof Interp4jException ie) {
                throw ie;
            }
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, checkpoint.directory() + ": cannot load into ONNX Runtime: " + e, e);
        }
    }

    /**
     * Returns the graph with these interventions compiled in, from a start layer, with per-head outputs
     * in some blocks, building it on first use.
     */
    GraphIr graph(CompiledInterventions interventions, int startLayer, Set<Integer> resultLayers) {
        if (interventions.isEmpty() && startLayer == 0 && resultLayers.isEmpty()) {
            return graph;
        }
        synchronized (graphs) {
            GraphIr built = graphs.computeIfAbsent(new GraphKey(interventions.structure(), startLayer, Set.copyOf(resultLayers)),
                    key -> Qwen2Graph.build(checkpoint().config(), interventions, quantization, startLayer, resultLayers));
            trim(graphs, null);
            return built;
        }
    }

    /**
     * Returns the compiled segments for compiled interventions, a start layer, the hook points where
     * Java code may replace the value and those where it only reads it, building them on first use,
     * held until the plan is closed. Only replaced points cut the graph; any observed point makes every
     * hook point's value an output, so all sets of observed points share one plan. Hook points the graph
     * does not compute (before the start layer) or whose value is a graph input cut nothing. A block's
     * per-head outputs are computed only when one of these points or an intervention is there.
     */
    Plan plan(CompiledInterventions interventions, int startLayer, Set<HookPoint> replaced, Set<HookPoint> observed) {
        Set<Integer> resultLayers = new TreeSet<>();
        Stream.of(replaced.stream(), observed.stream(), interventions.points().stream())
                .flatMap(points -> points)
                .filter(point -> point.site() == HookSite.ATTN_RESULT)
                .forEach(point -> resultLayers.add(point.layer()));
        GraphIr source = graph(interventions, startLayer, resultLayers);
        Set<HookPoint> cuts = computed(source, replaced);
        boolean observe = !computed(source, observed).isEmpty();
        PlanKey key = new PlanKey(new GraphKey(interventions.structure(), startLayer, Set.copyOf(resultLayers)), Set.copyOf(cuts), observe);
        synchronized (plans) {
            Plan plan = plans.get(key);
            if (plan == null) {
                plan = compile(source, cuts, observe, startLayer, !interventions.isEmpty() || !resultLayers.isEmpty());
                plans.put(key, plan);
                trim(plans, Plan::evict);
            }
            return plan.hold();
        }
    }

    /** The hook points among these whose value a node of the graph computes. */
    private static Set<HookPoint> computed(GraphIr graph, Set<HookPoint> points) {
        Set<HookPoint> computed = new TreeSet<>();
        for (HookPoint point : points) {
            String value = graph.hookValues().get(point);
            if (value != null && !graph.isRuntimeInput(value)) {
                computed.add(point);
            }
        }
        return computed;
    }

    /** Compiles a graph's segments; a {@code variant} graph has compiled interventions or per-head outputs. */
    private Plan compile(GraphIr source, Set<HookPoint> cuts, boolean observe, int startLayer, boolean variant) {
        List<CompiledSegment> compiled = new ArrayList<>();
        // only the bare model's plain fused graph from layer 0 holds a prepacked copy of the weights; the observing
        // graph, variants (compiled interventions, per-head outputs), cut graphs and later starts read them in place,
        // so memory does not grow with the interventions, replaced points or start layers a study uses
        // the observing graph too: it runs once per prompt in a study's plans, and its prepacked copy cost a full copy
        // of the weights (11.6 → 8.5 GB resident on a 0.5B hub dry run), which at 1.5B decides whether a study fits
        boolean weightsFed = !cuts.isEmpty() || startLayer > 0 || variant || observe;
        try {
            for (Segments.Segment segment : Segments.cut(source, cuts, observe, weightsFed, weightShapes)) {
                OrtSession.SessionOptions options = sessionOptions(threads);
                if (!cuts.isEmpty()) {
                    // an arena per session keeps its largest activations for good, and every new set of replaced
                    // points is new sessions: cut graphs allocate and free per run instead
                    options.setCPUArenaAllocator(false);
                }
                if (!segment.weightsFed()) {
                    Map<String, OnnxTensorLike> supplied = new LinkedHashMap<>();
                    segment.weights().forEach(w -> supplied.put(w, weights.get(w)));
                    options.addExternalInitializers(supplied);
                }
                compiled.add(new CompiledSegment(segment, env.createSession(segment.model(), options)));
            }
            return new Plan(source, List.copyOf(compiled));
        } catch (OrtException e) {
            compiled.forEach(c -> closeQuietly(c.session()));
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "ONNX Runtime rejected the graph from layer " + startLayer + " for hook points "
                    + cuts + ": " + e.getMessage(), e);
        }
    }

    /** The options every session of the engine starts from. */
    static OrtSession.SessionOptions sessionOptions(ThreadPolicy threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(threads.intraOp());
        options.setInterOpNumThreads(1);
        // idle pool threads block instead of spinning: a spinning pool takes the cores a second
        // process (or the next segment's Java code) needs
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.addConfigEntry("session.inter_op.allow_spinning", "0");
        return options;
    }

    /**
     * The process's ONNX Runtime environment, created on a thread of its own. Creating it walks
     * {@code /proc/self/cmdline} recursively inside ONNX Runtime, about one native frame per character:
     * a command line of a few kilobytes (every hook point of a model passed to {@code --cache}) overflows
     * a default 1 MiB thread stack and kills the JVM with SIGSEGV. The thread's stack is sized to the
     * command line, so the caller's stack does not matter.
     */
    static OrtEnvironment environment() {
        long commandLine;
        try {
            commandLine = java.nio.file.Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
        } catch (java.io.IOException e) {
            commandLine = 0; // no procfs: nothing for ONNX Runtime to walk
        }
        // about 90 bytes of native stack per character were measured; four times that plus 16 MiB of headroom
        long stack = (16L << 20) + 512 * commandLine;
        OrtEnvironment[] created = new OrtEnvironment[1];
        RuntimeException[] failed = new RuntimeException[1];
        Thread thread = new Thread(null, () -> {
            try {
                created[0] = OrtEnvironment.getEnvironment();
            } catch (RuntimeException e) {
                failed[0] = e;
            }
        }, "interp4j-onnx-environment", stack);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "interrupted while creating the ONNX Runtime environment", e);
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        return created[0];
    }

    /** Drops the least recently used entries beyond {@link #MAX_PLANS}; the caller holds the map's lock. */
    private static <K, V> void trim(Map<K, V> cache, java.util.function.Consumer<V> onEvict) {
        var eldest = cache.entrySet().iterator();
        while (cache.size() > MAX_PLANS && eldest.hasNext()) {
            V value = eldest.next().getValue();
            eldest.remove();
            if (onEvict != null) {
                onEvict.accept(value);
            }
        }
    }

    /** The name of the value a hook point names in a graph. */
    /**
     * Whether ONNX Runtime can write an output straight into an NDArray's memory: the array library
     * hands out a direct view of a new array's memory ({@link NDArray#toByteBuffer(boolean)}), and a
     * value written through the view is the array's (checked once per model, on a one-element array).
     */
    boolean writesIntoArrays() {
        return writesIntoArrays;
    }

    private static boolean viewsArrayMemory(NDManager manager) {
        try (NDArray probe = manager.create(new Shape(1), DataType.FLOAT32)) {
            ByteBuffer view = probe.toByteBuffer(true);
            if (!view.isDirect()) {
                return false;
            }
            view.order(ByteOrder.nativeOrder()).putFloat(0, 42.5f);
            return probe.getFloat(0) == 42.5f;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    static String graphValue(GraphIr graph, HookPoint point) {
        return graph.hookValues().get(point);
    }

    /** The graph output holding a layer's keys after this pass (a graph from layer 0). */
    static String presentKey(GraphIr graph, int layer) {
        return graph.outputs().get(2 * layer);
    }

    /**
     * Registers a blockwise-quantised weight's codes, scales and (Q4) zero points as graph weights:
     * MatMulBnb4 takes NF4's codes flat; MatMulNBits takes {@code [N, blocks per row, bytes per block]}.
     */
    private static void putBlocks(OrtEnvironment env, String name, QuantizedWeight q, Map<String, OnnxTensor> weights,
            Map<String, long[]> shapes) throws OrtException {
        long rows = q.rows();
        long[] codeShape = q.scheme() == Quantization.NF4
                ? new long[] {q.codes().length}
                : new long[] {rows, q.blocksPerRow(), q.codes().length / rows / q.blocksPerRow()};
        weights.put(Qwen2Graph.codes(name), OnnxTensor.createTensor(env, direct(q.codes()), codeShape, OnnxJavaType.UINT8));
        weights.put(Qwen2Graph.scales(name), OnnxTensor.createTensor(env, direct(q.scales()), new long[] {q.scales().length},
                OnnxJavaType.FLOAT));
        shapes.put(Qwen2Graph.codes(name), codeShape);
        shapes.put(Qwen2Graph.scales(name), new long[] {q.scales().length});
        if (q.zeroPoints().length > 0) {
            long[] zeroShape = {q.zeroPoints().length};
            weights.put(Qwen2Graph.zeroPoints(name), OnnxTensor.createTensor(env, direct(q.zeroPoints()), zeroShape, OnnxJavaType.UINT8));
            shapes.put(Qwen2Graph.zeroPoints(name), zeroShape);
        }
    }

    /** The graph output holding a layer's values after this pass (a graph from layer 0). */
    static String presentValue(GraphIr graph, int layer) {
        return graph.outputs().get(2 * layer + 1);
    }

    OrtEnvironment env() {
        return env;
    }

    Map<String, OnnxTensor> weights() {
        return weights;
    }

    NDManager ndManager() {
        return manager;
    }

    @Override
    public Run newRun() {
        return new OnnxRun(this, manager.newSubManager());
    }

    @Override
    protected void closeEngine() {
        synchronized (plans) {
            plans.values().forEach(Plan::evict);
            plans.clear();
        }
        synchronized (graphs) {
            graphs.clear();
        }
        weights.values().forEach(OnnxTensor::close);
        manager.close();
    }

    private static ByteBuffer direct(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer;
    }

    /** A row-major {@code [rows, columns]} byte matrix as {@code [columns, rows]}. */
    private static byte[] transposed(byte[] values, int rows, int columns) {
        byte[] out = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[c * rows + r] = values[r * columns + c];
            }
        }
        return out;
    }

    private static ByteBuffer direct(byte[] values) {
        return ByteBuffer.allocateDirect(values.length).put(values).clear();
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing on the way out; nothing to recover
        }
    }
}
