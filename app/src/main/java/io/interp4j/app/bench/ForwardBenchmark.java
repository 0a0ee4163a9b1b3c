package io.interp4j.app.bench;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.MatrixProducts;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.cli.WeightOptions;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Times each engine's prefill of N tokens (20, 32 and 128 by default) and its per-token decode with the
 * KV cache beside two floors measured in the same process: the compute floor, the bare matrix products
 * of the same forward on the fastest matrix kernels an engine offers ({@link MatrixProducts}, with the
 * checkpoint's own weights), and for decode the memory floor, the bytes of weights one decoded token
 * reads divided by the measured read bandwidth. Each repeat of an engine's workload is timed right after
 * the floors' own repeat, and the ratios are the medians of these pairs: the machine's drift during a run
 * (10 to 30% on a shared machine) moves both sides of a pair alike. Also prints each engine's load time and the peak
 * resident memory. With {@code --cache SITE} it also times, alternating with the plain forward of the
 * longest prefill, a forward that caches that site at every layer, and prints the ratio.
 */
@Command(name = "forward", sortOptions = false, description = {
    "Each engine's prefill of each token count and per-token decode with the KV cache, beside two floors measured in the same "
    + "run: the compute floor (the same forward's bare matrix products on the fastest engine kernels, ONNX Runtime's MLAS) and, "
    + "for decode, the memory floor (float32 weight bytes per token / measured read bandwidth), each timed in turn with the "
    + "engine, with the medians of the paired ratios (--logits last: prefill unembeds the last position only, as llama-bench "
    + "does); load time and "
    + "peak resident memory. --cache resid_post (any hook site) also times forwards of the longest prefill caching that site "
    + "at every layer, alternating."})
final class ForwardBenchmark implements Runnable {
    /** The bytes read per bandwidth round: far beyond any cache. */
    private static final int READ_BYTES = 512 << 20;

    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path directory;

    @Option(names = "--tokens", split = ",", paramLabel = "N", defaultValue = "20,32,128", description = "Prefill lengths, each 1 to 65536;"
            + " the first is the decode's context (default: ${DEFAULT-VALUE}).")
    private List<Integer> prefills;

    @Option(names = "--decode", paramLabel = "N", defaultValue = "16", description = "Decoded tokens, 2 to 4096 (default: ${DEFAULT-VALUE}).")
    private int decode;

    @Option(names = "--engine", split = ",", paramLabel = "ID", description = "Engines, comma-separated (default: every engine found).")
    private List<String> engines;

    @Mixin
    private WeightOptions weights;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5", description = "Timed repeats (medians), 1 to 1000 (default:"
            + " ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--cache", paramLabel = "SITE", description = "Also time forwards caching this hook site at every layer (e.g."
            + " resid_post).")
    private String cacheSite;

    ForwardBenchmark(CommandContext context) {
        this.context = context;
    }

    @Option(names = "--logits", paramLabel = "WHICH", defaultValue = "all", description = "The prefill positions whose logits are computed:"
            + " all (what a forward returns by default) or last (what a study or llama.cpp's llama-bench reads); the compute floor"
            + " unembeds the same positions (default: ${DEFAULT-VALUE}).")
    private String logits;

    /**
     * One measured workload: a prefill of {@code tokens}, or one decoded token after {@code tokens} of
     * context, with the positions whose logits are computed.
     */
    private record Workload(String name, int tokens, int keys, int unembedded) {}

    /**
     * One row of the table: the medians of the engine's times and of the floors measured beside them,
     * and the medians of the paired ratios (each repeat's engine time over the floor timed next to it).
     */
    private record Row(double millis, double computeFloor, double computeRatio, double memoryFloor, double memoryRatio) {}

    @Override
    public void run() {
        PrintStream out = context.out();
        PluginRegistry registry = context.registry();
        prefills.forEach(n -> TypedValues.inRange("--tokens", n, 1, 1 << 16));
        TypedValues.inRange("--decode", decode, 2, 4096);
        TypedValues.inRange("--repeats", repeats, 1, 1000);
        List<String> engines = this.engines == null ? registry.ids(PluginKind.ENGINE) : this.engines;
        engines.forEach(registry::engine);
        LoadOptions options = weights.loadOptions();

        if (!logits.equals("all") && !logits.equals("last")) {
            throw new UsageException("--logits must be all or last, found '" + logits + "'");
        }
        boolean lastOnly = logits.equals("last");
        List<Workload> workloads = new ArrayList<>();
        prefills.forEach(t -> workloads.add(new Workload("prefill " + t, t, t, lastOnly ? 1 : t)));
        int context = prefills.get(0);
        // a decoded token attends on average to the context and half the decoded tokens
        workloads.add(new Workload("decode (" + context + "+" + decode + ")", 1, context + decode / 2, 1));

        int readers = ThreadPolicy.current().intraOp();
        try (Checkpoint checkpoint = Checkpoint.open(directory); ReadBandwidth bandwidth = new ReadBandwidth(readers)) {
            ModelConfig config = checkpoint.config();
            long decodeBytes = decodeWeightBytes(checkpoint);
            long weightBytes = checkpoint.float32WeightBytes();
            List<HookPoint> cachedPoints = cacheSite == null ? List.of() : pointsOf(config, cacheSite);
            warmPageCache(checkpoint.weightFiles());
            Optional<Floor> floor = fastestProducts(checkpoint, workloads);
            try {
                out.printf(Locale.ROOT, "bench forward: model %s, weights %s, %d repeats (medians), prefill logits at %s%n", directory,
                        options.quantization().configName(), repeats, lastOnly ? "the last position" : "every position");
                out.printf(Locale.ROOT, "  shapes           %d layers, d_model %d, %d/%d heads, d_mlp %d, vocab %d, %,d parameters%n",
                        config.numLayers(), config.hiddenSize(), config.numHeads(), config.numKvHeads(),
                        config.intermediateSize(), config.vocabSize(), config.parameterCount());
                out.printf(Locale.ROOT, "  compute floor    the bare matrix products of the same forward on %s's kernels (checkpoint weights,"
                        + " float32), timed in turn with each engine forward%n", floor.map(Floor::engine).orElse("no engine"));
                out.printf(Locale.ROOT, "  memory floor     %.3f GiB of float32 weights read per decoded token / read bandwidth (%d threads"
                        + " reading, as the engines compute), measured in turn with each decode%n", decodeBytes / 1073741824.0, readers);
                out.printf(Locale.ROOT, "  x floor          the median of each repeat's engine time over the floor timed next to it%n");
                out.printf(Locale.ROOT, "  %-7s %-16s %10s %14s %9s %14s %9s%n", "engine", "workload", "ms", "compute floor", "x floor",
                        "memory floor", "x floor");
                for (String engine : engines) {
                    long loadStart = System.nanoTime();
                    try (Model model = registry.loadModel(engine, directory, options)) {
                        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                        List<Row> rows = measure(model, workloads, floor.map(Floor::products).orElse(null), bandwidth, decodeBytes);
                        for (int w = 0; w < workloads.size(); w++) {
                            Row row = rows.get(w);
                            boolean decoding = w == workloads.size() - 1;
                            out.printf(Locale.ROOT, "  %-7s %-16s %10.2f %14s %9s %14s %9s%n", engine, workloads.get(w).name(), row.millis(),
                                    millis(row.computeFloor()), ratio(row.computeRatio()), decoding ? millis(row.memoryFloor()) : "",
                                    decoding ? ratio(row.memoryRatio()) : "");
                        }
                        if (!cachedPoints.isEmpty()) {
                            double[] caching = cachingRatio(model, prefills.get(prefills.size() - 1), cachedPoints, repeats);
                            out.printf(Locale.ROOT, "  %-7s caching %s at %d points: median %.1f ms, %.2fx the plain forward of %d tokens"
                                    + " (alternating runs)%n", engine, cacheSite, cachedPoints.size(), caching[1], caching[1] / caching[0],
                                    prefills.get(prefills.size() - 1));
                        }
                        model.quantization().ifPresent(q -> out.println("  " + engine + "    " + q.describe()));
                        out.printf(Locale.ROOT, "  %-7s load %.3f s (warm page cache); resident now %.2f GiB%n", engine, loadSeconds,
                                residentBytes() / 1073741824.0);
                    }
                }
                out.printf(Locale.ROOT, "  peak RSS         %.2f GiB for %.2f GiB of float32 weights (floors and engines together)%n",
                        peakResidentBytes() / 1073741824.0, weightBytes / 1073741824.0);
            } finally {
                floor.ifPresent(f -> f.products().close());
            }
        }
    }

    /** The matrix products that serve as the compute floor, and the engine that offers them. */
    private record Floor(String engine, MatrixProducts products) {}

    /**
     * The fastest matrix products any engine offers: each is warmed up and timed once over every
     * workload; the fastest stays open, the others are closed. Empty when no engine offers products.
     */
    private Optional<Floor> fastestProducts(Checkpoint checkpoint, List<Workload> workloads) {
        PluginRegistry registry = context.registry();
        Floor fastest = null;
        double fastestTotal = Double.POSITIVE_INFINITY;
        for (String id : registry.ids(PluginKind.ENGINE)) {
            Optional<MatrixProducts> offered = registry.engine(id).matrixProducts(checkpoint);
            if (offered.isEmpty()) {
                continue;
            }
            MatrixProducts products = offered.get();
            double total = 0;
            for (Workload workload : workloads) {
                products.millis(workload.tokens(), workload.keys(), workload.unembedded()); // warm-up
                total += products.millis(workload.tokens(), workload.keys(), workload.unembedded());
            }
            if (total < fastestTotal) {
                if (fastest != null) {
                    fastest.products().close();
                }
                fastestTotal = total;
                fastest = new Floor(id, products);
            } else {
                products.close();
            }
        }
        return Optional.ofNullable(fastest);
    }

    /**
     * Times each workload on the engine, each repeat right after the compute floor's products (and, for
     * decode, a read of the bandwidth buffer), so a machine that slows down mid-run slows both sides of
     * each ratio alike. Prefill is one forward; decode is the mean per token of a greedy generation.
     */
    private List<Row> measure(Model model, List<Workload> workloads, MatrixProducts floor, ReadBandwidth bandwidth, long decodeBytes) {
        List<Row> rows = new ArrayList<>();
        Random random = new Random(42);
        try (Run run = model.newRun()) {
            for (int w = 0; w < workloads.size(); w++) {
                Workload workload = workloads.get(w);
                boolean decoding = w == workloads.size() - 1;
                int[] ids = random.ints(decoding ? workloads.get(0).tokens() : workload.tokens(), 0, model.config().vocabSize()).toArray();
                GenerationOptions options = new GenerationOptions(decode + 1, true, false);
                ForwardInput input = workload.unembedded() < workload.tokens() ? ForwardInput.of(ids).logitsAt(Positions.LAST) : ForwardInput.of(ids);
                DoubleSupplier engineMillis = decoding
                        ? () -> 1e3 / run.generate(ids, options).decodeTokensPerSecond()
                        : () -> {
                            long t = System.nanoTime();
                            run.forward(input).logits().close();
                            return (System.nanoTime() - t) / 1e6;
                        };
                double[] millis = new double[repeats];
                double[] compute = new double[repeats];
                double[] memory = new double[repeats];
                double[] computeRatio = new double[repeats];
                double[] memoryRatio = new double[repeats];
                for (int r = -1; r < repeats; r++) { // r = -1: warm-up
                    double c = floor == null ? Double.NaN : floor.millis(workload.tokens(), workload.keys(), workload.unembedded());
                    double m = decoding ? decodeBytes / bandwidth.bytesPerSecond() * 1e3 : Double.NaN;
                    double e = engineMillis.getAsDouble();
                    if (r >= 0) {
                        millis[r] = e;
                        compute[r] = c;
                        memory[r] = m;
                        computeRatio[r] = e / c;
                        memoryRatio[r] = e / m;
                    }
                }
                rows.add(new Row(median(millis), median(compute), median(computeRatio), median(memory), median(memoryRatio)));
            }
        }
        return rows;
    }

    /** {median plain forward, median caching forward} in milliseconds, alternating so a busy machine slows both alike. */
    private static double[] cachingRatio(Model model, int tokens, List<HookPoint> points, int repeats) {
        int[] ids = new Random(43).ints(tokens, 0, model.config().vocabSize()).toArray();
        double[] plain = new double[repeats];
        double[] caching = new double[repeats];
        try (Run run = model.newRun(); Run cached = model.newRun()) {
            cached.cache(points);
            run.forward(ids).logits().close();
            closeAll(cached.forward(ids)); // warm-up, compiling the caching graph on engines that compile
            for (int i = 0; i < repeats; i++) {
                long t = System.nanoTime();
                run.forward(ids).logits().close();
                plain[i] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                closeAll(cached.forward(ids));
                caching[i] = (System.nanoTime() - t) / 1e6;
            }
        }
        return new double[] {median(plain), median(caching)};
    }

    /**
     * The float32 bytes one decoded token reads: every weight but an untied embedding matrix, of which
     * the lookup reads one row (tied, it is read whole as the unembedding).
     */
    static long decodeWeightBytes(Checkpoint checkpoint) {
        ModelConfig config = checkpoint.config();
        long embedding = config.tieWordEmbeddings() ? 0 : checkpoint.info(Qwen2Layout.EMBED).elementCount() * Float.BYTES;
        return checkpoint.float32WeightBytes() - embedding;
    }

    /**
     * The bytes per second that {@code threads} threads read together from memory far beyond any cache,
     * each reading its share of one direct buffer of {@value #READ_BYTES} bytes, one round per call. A
     * decoded token reads every weight once and writes next to nothing, so read bandwidth, not a copy's
     * read-plus-write rate, bounds it; one thread's copy measured 15.4 GB/s here while onnx decoded a
     * 0.5B token in 87 ms, 22.7 GB/s of weights.
     */
    static final class ReadBandwidth implements AutoCloseable {
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BYTES).order(ByteOrder.nativeOrder());
        private final int threads;
        private final int share;
        private final ExecutorService pool;
        private long expected = -1;

        ReadBandwidth(int threads) {
            this.threads = threads;
            for (int i = 0; i < READ_BYTES; i += Long.BYTES) {
                buffer.putLong(i, i);
            }
            this.share = READ_BYTES / threads / Long.BYTES * Long.BYTES;
            this.pool = Executors.newFixedThreadPool(threads);
        }

        /** One round: every thread reads its share once. */
        double bytesPerSecond() {
            List<Callable<Long>> reads = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t * share;
                reads.add(() -> sum(buffer, from, from + share));
            }
            try {
                long started = System.nanoTime();
                long total = 0;
                for (Future<Long> read : pool.invokeAll(reads)) {
                    total += read.get();
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                // the sums are used, so no read is optimised away; every round reads the same values
                if (expected != -1 && total != expected) {
                    throw new IllegalStateException("the bandwidth buffer read differently between rounds");
                }
                expected = total;
                return (double) share * threads / seconds;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while measuring read bandwidth", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("measuring read bandwidth failed", e.getCause());
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /**
     * Reads bytes {@code [from, to)} of the buffer in 64 KiB bulk copies into one small array that stays
     * in the core's cache, so the rate is the memory's read rate (a loop of single reads, bounds-checked,
     * measured a third slower than ONNX Runtime's kernels read the weights).
     */
    private static long sum(ByteBuffer buffer, int from, int to) {
        LongBuffer longs = buffer.asLongBuffer();
        long[] chunk = new long[8192];
        long sum = 0;
        for (int at = from / Long.BYTES; at < to / Long.BYTES; at += chunk.length) {
            int length = Math.min(chunk.length, to / Long.BYTES - at);
            longs.get(at, chunk, 0, length);
            sum += chunk[0] + chunk[length - 1];
        }
        return sum;
    }

    private static String millis(double millis) {
        return Double.isNaN(millis) ? "n/a" : String.format(Locale.ROOT, "%.2f", millis);
    }

    private static String ratio(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    /** Every hook point of a site, named by its suffix with or without {@code hook_} ({@code resid_post}, {@code attn.hook_z}). */
    private static List<HookPoint> pointsOf(ModelConfig config, String site) {
        List<String> known = new ArrayList<>();
        for (HookSite s : HookSite.values()) {
            if (s.suffix().equals(site) || s.suffix().replace("hook_", "").equals(site)) {
                return HookPoint.all(config).stream().filter(p -> p.site() == s).toList();
            }
            known.add(s.suffix().replace("hook_", ""));
        }
        throw new UsageException("--cache: unknown hook site '" + site + "'; allowed: " + String.join(", ", known));
    }

    private static void closeAll(ForwardResult result) {
        result.logits().close();
        result.cache().asMap().values().forEach(NDArray::close);
    }

    static void warmPageCache(List<Path> files) {
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                while (in.read(buffer) >= 0) {
                    // reading is the point: the load below is timed from a warm page cache
                }
            } catch (IOException e) {
                throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot read: " + e.getMessage(), e);
            }
        }
    }

    /** VmHWM of /proc/self/status: the peak resident set of this process. */
    static long peakResidentBytes() {
        return status("VmHWM:");
    }

    /** VmRSS of /proc/self/status: the resident set now. */
    static long residentBytes() {
        return status("VmRSS:");
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

}
