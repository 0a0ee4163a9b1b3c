package io.interp4j.app;

import static io.interp4j.app.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.interp4j.api.checkpoint.SafetensorsFile;
import io.interp4j.api.checkpoint.TensorInfo;
import io.interp4j.app.Cli.Result;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One regression test per class of bad input of issue #15, through the real command line: exit code
 * 2, a message naming the file (and tensor, key or path), and no output left behind.
 */
class BadInputTest {
    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path model;


    @BeforeAll
    static void writeModel() {
        model = shared.resolve("tiny");
        Result r = run("random-model", "--out", model.toString(), "--seed", "3", "--layers", "2", "--hidden", "32",
                "--heads", "4", "--kv-heads", "2", "--vocab", "300");
        assertThat(r.code()).as(r.err()).isZero();
    }

    private Path copyOfModel() throws IOException {
        Path copy = dir.resolve("model");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    /** Runs forward on a model and checks it is refused with exit 2, the message parts, and no output. */
    private Result refusedForward(Path modelDir, String... messageParts) {
        Path out = dir.resolve("forward.json");
        Result r = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> run("forward", "--model", modelDir.toString(), "--tokens", "1,2,3", "--out", out.toString()));
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(messageParts);
        assertThat(out).doesNotExist();
        return r;
    }

    private static void setHeaderLength(Path file, int delta) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            long n = length.flip().getLong() + delta;
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n), 0);
        }
    }

    /** Pads the header with 8 spaces, as Python's safetensors pads it to 8-byte alignment. */
    private static void padHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer padded = ByteBuffer.allocate(bytes.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        padded.putLong(length + 8).put(bytes, 8, (int) length).put("        ".getBytes(StandardCharsets.US_ASCII))
                .put(bytes, 8 + (int) length, bytes.length - 8 - (int) length);
        Files.write(file, padded.array());
    }

    @Test
    void aHeaderLengthFourBytesShortIsRefusedNotShifted() throws IOException {
        Path m = copyOfModel();
        padHeader(m.resolve("model.safetensors"));
        Result padded = run("hooks", "--model", m.toString());
        assertThat(padded.code()).as("a padded header is valid: " + padded.err()).isZero();
        // the length now ends inside the padding: the JSON parses, and every tensor would be read 4 bytes early
        setHeaderLength(m.resolve("model.safetensors"), -4);
        refusedForward(m, m.resolve("model.safetensors").toString(), "4 trailing bytes");
    }

    @Test
    void bytesAppendedAfterTheLastTensorAreRefused() throws IOException {
        Path m = copyOfModel();
        Files.write(m.resolve("model.safetensors"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        refusedForward(m, "3 trailing bytes");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"num_hidden_layers\": 2|\"num_hidden_layers\": 1000000000|num_hidden_layers is 1000000000; allowed 1..1024",
        "\"hidden_size\": 32|\"hidden_size\": 4294967328|'hidden_size' is 4294967328",
        "\"hidden_size\": 32|\"hidden_size\": 32.5|'hidden_size' must be an integer",
        "\"hidden_size\": 32|\"hidden_size\": [32]|'hidden_size' must be an integer",
        "\"tie_word_embeddings\": true|\"tie_word_embeddings\": \"yes\"|'tie_word_embeddings' must be true or false",
        "\"rope_theta\": 1000000.0|\"rope_theta\": 1e400|'rope_theta' is 1e400, which is not finite",
    })
    void configNumbersAreNotCoerced(String line, String replacement, String message) throws IOException {
        Path m = copyOfModel();
        Path config = m.resolve("config.json");
        String text = Files.readString(config);
        assertThat(text).contains(line);
        Files.writeString(config, text.replace(line, replacement));
        refusedForward(m, config.toString(), message);
    }

    @Test
    void aNonFiniteWeightIsReportedNamingTheTensor() throws IOException {
        Path m = copyOfModel();
        Path weights = m.resolve("model.safetensors");
        long at;
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            TensorInfo norm = file.info("model.norm.weight");
            ByteBuffer length = ByteBuffer.wrap(Files.readAllBytes(weights), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
            at = 8 + length.getLong() + norm.begin() + 4L * 5;
            assertThat(norm.dtype().bytes()).isEqualTo(4);
        }
        try (RandomAccessFile raf = new RandomAccessFile(weights.toFile(), "rw")) {
            raf.seek(at);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array());
        }
        refusedForward(m, "tensor 'model.norm.weight' holds NaN at element 5", "weights must be finite");
    }

    private static boolean mkfifo(Path path) throws IOException, InterruptedException {
        return new ProcessBuilder("mkfifo", path.toString()).start().waitFor() == 0;
    }

    @Test
    void aFifoNamedConfigJsonIsRefusedWithoutBlocking() throws Exception {
        Path m = copyOfModel();
        Files.delete(m.resolve("config.json"));
        Assumptions.assumeTrue(mkfifo(m.resolve("config.json")), "mkfifo is available");
        refusedForward(m, m.resolve("config.json") + ": not a regular file");
    }

    @Test
    void outIsNeverADeviceFifoOrFolder() throws Exception {
        Path fifo = dir.resolve("fifo.json");
        Assumptions.assumeTrue(mkfifo(fifo), "mkfifo is available");
        Result r = run("forward", "--model", model.toString(), "--tokens", "1,2", "--out", fifo.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("cannot write " + fifo, "not a regular file");
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(Files.exists(fifo)).isTrue();
    }

    @Test
    void outWhereNoFileCanBeCreatedIsRefusedBeforeTheForward() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "a Linux /proc");
        Result r = run("forward", "--model", model.toString(), "--tokens", "1,2", "--out", "/proc/interp4j-forward.json");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("cannot write /proc/interp4j-forward.json", "cannot create a file in /proc");
    }

    private Path study(String name, String extra) throws IOException {
        Path file = dir.resolve("s.conf");
        Files.writeString(file, """
                %s
                study {
                  name = "%s"
                  models { main { path = "models/tiny", create { seed = 2, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } } }
                  suites { main { builtin = families-mini } }
                  steps = [ { id = lens, experiment = probe } ]
                }
                """.formatted(extra, name));
        return file;
    }

    private static void refusedStudy(Path file, Path out, String... messageParts) {
        Result r = run("study", file.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(messageParts);
        assertThat(out.resolve("results.json")).doesNotExist();
    }

    @Test
    void theStudyNameIsAFolderNameNotAPath() throws IOException {
        Path file = study("../../escaped", "");
        Result r = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("study.name: '../../escaped' is not a folder name");
        assertThat(dir.getParent().resolve("escaped")).doesNotExist();
    }

    @Test
    void aLockedStudyFolderStopsASecondStudyNamingTheHolder() throws IOException {
        Path file = study("locked", "");
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        try (FileChannel channel = FileChannel.open(out.resolve(".interp4j.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            channel.write(ByteBuffer.wrap("4242@elsewhere since 2026-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8)));
            refusedStudy(file, out, out + ": another study is writing this folder (held by process 4242@elsewhere");
        }
        assertThat(dir.resolve("models/tiny")).doesNotExist();
    }

    @Test
    void aStudyDoesNotWriteIntoAFolderItDoesNotOwn() throws IOException {
        Path file = study("foreign", "");
        Path out = dir.resolve("home");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        refusedStudy(file, out, out + ": holds files a study did not write (notes.txt");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "include \"missing.conf\"|missing.conf does not exist",
        "include required(\"missing.conf\")|missing.conf does not exist",
        "include url(\"http://127.0.0.1:9/x.conf\")|include url(\"http://127.0.0.1:9/x.conf\") is refused",
        "include classpath(\"reference.conf\")|include classpath(\"reference.conf\") is refused",
        // found in the audit: an absolute include was read (its lines even appeared in the error)
        "include file(\"/etc/passwd\")|include \"/etc/passwd\" is refused: an include is a path relative to the including file's folder",
        "include \"/etc/passwd\"|include \"/etc/passwd\" is refused",
        "interp4j.x = ${HOME}|environment variables and system properties are not read",
        "interp4j.x = ${user.home}|environment variables and system properties are not read",
    })
    void hoconReadsOnlyTheStudysOwnFiles(String line, String message) throws IOException {
        Path file = study("hocon", line);
        refusedStudy(file, dir.resolve("out"), message);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /** Found by the structure-aware study fuzzer: an include cycle recursed until a StackOverflowError, an internal error, exit 1. */
    @Test
    void anIncludeCycleIsAnErrorNamingIt() throws IOException {
        refusedStudy(study("self", "include \"s.conf\""), dir.resolve("out"),
                "include \"s.conf\": " + dir.resolve("s.conf") + " is already being read (s.conf -> s.conf); a file must not include itself");
        Files.createDirectories(dir.resolve("parts"));
        Files.writeString(dir.resolve("a.conf"), "include \"parts/b.conf\"\n");
        Files.writeString(dir.resolve("parts/b.conf"), "study.seed = 2\ninclude file(\"../a.conf\")\n");
        Result r = run("study", study("cycle", "include \"a.conf\"").toString(), "--out", dir.resolve("out").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("include \"../a.conf\": " + dir.resolve("a.conf") + " is already being read (a.conf -> b.conf -> a.conf)")
                .doesNotContain("internal error").doesNotContain("StackOverflowError");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /**
     * Found by the structure-aware study fuzzer: a plugin default in the study file ({@code interp4j.<kind>.<id>}) that refers
     * to a study key was checked unresolved, and Typesafe's {@code NotResolved} or {@code UnresolvedSubstitution} escaped as an
     * internal error, exit 1. It is checked as resolved: accepted when its value fits, a problem naming it when not.
     */
    @Test
    void aPluginDefaultMayReferToTheStudysKeys() throws IOException {
        Result r = run("study", study("subst", "interp4j.metric.\"top-k-overlap\" { k = ${study.seed} }\nstudy.seed = 3").toString(),
                "--dry-run", "--no-estimate");
        assertThat(r.code()).as(r.err()).isZero();
        refusedStudy(study("subst", "interp4j.metric.\"top-k-overlap\" { k = ${study.steps}, bogus = ${study.models} }"), dir.resolve("out"),
                "interp4j.metric.top-k-overlap.k: Wrong value type at 'k', expecting: number", "interp4j.metric.top-k-overlap.bogus: unknown key");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void anIncludeIsResolvedNextToTheStudyFile() throws IOException {
        Files.writeString(dir.resolve("seed.conf"), "study.seed = 11\n");
        Path file = study("included", "include \"seed.conf\"");
        Result r = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("seed 11");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"r\": 2|\"r\": 2, \"modules_to_save\": [\"lm_head\"]|'modules_to_save' is an array",
        "\"r\": 2|\"r\": 2, \"use_dora\": true|'use_dora' is a boolean true",
        "\"r\": 2|\"r\": 4|module 'model.layers.0.self_attn.q_proj' has rank 2 (lora_A [2, 32]) but 'r' is 4",
        "[\"q_proj\"]|[\"q_proj\", \"v_proj\"]|target_modules names 'v_proj'",
        // found in the audit: these were accepted, and the whole adapter applied
        "\"r\": 2|\"r\": 2, \"layers_to_transform\": [5]|module 'model.layers.0.self_attn.q_proj' is in layer 0, which layers_to_transform [5]"
            + " leaves out",
        "\"r\": 2|\"r\": 2, \"exclude_modules\": [\"q_proj\"]|module 'model.layers.0.self_attn.q_proj' is in exclude_modules [q_proj]",
        "\"r\": 2|\"r\": 2, \"use_qalora\": true|'use_qalora' is a boolean true",
        "\"r\": 2|\"r\": 2, \"alora_invocation_tokens\": [1, 2]|'alora_invocation_tokens' is an array",
        // a key this build does not know (a newer PEFT's) may change how the adapter applies
        "\"r\": 2|\"r\": 2, \"use_hra\": true|unknown key 'use_hra': interp4j cannot tell whether it changes how the adapter applies",
    })
    void anAdapterPartTheEnginesCannotApplyIsAnError(String line, String replacement, String message) throws IOException {
        Path adapter = dir.resolve("adapter");
        TestAdapters.write(adapter, 32);
        Path config = adapter.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config).replace(line, replacement));
        Path out = dir.resolve("forward.json");
        Result r = run("forward", "--model", model.toString(), "--adapter", adapter.toString(), "--tokens", "1,2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(config.toString(), message);
        assertThat(out).doesNotExist();
    }

    /** A copy of the model whose weights are finite but whose norms overflow float32 in the forward. */
    private Path overflowingModel() throws IOException {
        Path m = copyOfModel();
        Path weights = m.resolve("model.safetensors");
        long dataStart = 8 + ByteBuffer.wrap(Files.readAllBytes(weights), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        try (SafetensorsFile file = SafetensorsFile.open(weights);
                RandomAccessFile raf = new RandomAccessFile(weights.toFile(), "rw")) {
            for (String name : new String[] {"model.layers.0.input_layernorm.weight", "model.norm.weight"}) {
                TensorInfo info = file.info(name);
                ByteBuffer huge = ByteBuffer.allocate((int) info.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
                while (huge.hasRemaining()) {
                    huge.putFloat(3e38f);
                }
                raf.seek(dataStart + info.begin());
                raf.write(huge.array());
            }
        }
        return m;
    }

    @Test
    void aForwardWithNonFiniteLogitsSaysSo() throws IOException {
        Path out = dir.resolve("forward.json");
        Result r = run("forward", "--model", overflowingModel().toString(), "--tokens", "1,2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: ", "logits are not finite", out.toString());
    }

    @Test
    void generationStopsAtNonFiniteLogitsInsteadOfPrintingTokenZero() throws IOException {
        Result r = run("generate", "--model", overflowingModel().toString(), "--tokens", "1,2", "--max-new-tokens", "4");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("generation step 0", "logits are not finite", "generation stopped");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aStudyMarksTheStepWhoseForwardsAreNotFinite() throws IOException {
        Path m = overflowingModel();
        Path file = dir.resolve("nan.conf");
        Files.writeString(file, """
                study {
                  models { main { path = "%s" } }
                  suites { main { builtin = families-mini } }
                  steps = [ { id = ablation, experiment = sweep, settings {
                    intervention { id = zero-ablation, settings { site = layer-output } }
                    sweep { layer = all }
                    metrics = [ { id = kl-divergence } ] } } ]
                  report { formats = [json, md] }
                }
                """.formatted(m.toString().replace("\\", "/")));
        Path out = dir.resolve("out");
        Result r = run("study", file.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("[1/1 ablation] warning: ", "planned forwards produced NaN or infinite logits");
        assertThat(Files.readString(out.resolve("results.json"))).contains("\"non-finite logits\"", "\"non-finite cells\"");
        assertThat(Files.readString(out.resolve("report.md"))).contains("non-finite cells");
    }

    /** Rewrites the safetensors header's JSON text (the data section is kept). */
    private static void editHeader(Path file, java.util.function.UnaryOperator<String> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int length = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] header = edit.apply(new String(bytes, 8, length, StandardCharsets.UTF_8)).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + bytes.length - 8 - length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header).put(bytes, 8 + length, bytes.length - 8 - length);
        Files.write(file, out.array());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "comment|is not valid JSON",
        "unquoted|is not valid JSON",
        "utf8|is not valid UTF-8",
        "wrap|'data_offsets[0]' is 18446744073709551616",
        "duplicate|twice in one object",
    })
    void aLenientHeaderIsRefused(String kind, String message) throws IOException {
        Path m = copyOfModel();
        Path weights = m.resolve("model.safetensors");
        editHeader(weights, header -> switch (kind) {
            case "comment" -> header.replaceFirst("\\{", "{/* c */");
            case "unquoted" -> header.replaceFirst("\"__metadata__\"", "__metadata__");
            case "utf8" -> header.replaceFirst("\"format\"", "\"form\u00c3(\"");
            case "wrap" -> header.replaceFirst("\\[0,", "[18446744073709551616,"); // 2^64: 0 if it wrapped
            default -> header.replaceFirst("\\{", "{\"model.norm.weight\":{},");
        });
        Result r = refusedForward(m, weights.toString(), message);
        // found in the audit: Gson's advice to switch its lenient mode on, and its troubleshooting link, reached the user
        assertThat(r.err()).doesNotContain("LENIENT", "setStrictness", "github.com/google/gson");
    }

    @Test
    void aFifoAsTrainingDataIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("train.jsonl");
        Assumptions.assumeTrue(mkfifo(fifo), "mkfifo is available");
        Path out = dir.resolve("adapter");
        Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("lora", "train", "--model", model.toString(), "--data",
                fifo.toString(), "--out", out.toString(), "--steps", "1"));
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(fifo + ": not a regular file");
        assertThat(out).doesNotExist();
    }

    @Test
    void commandsThatWriteFoldersLeaveNothingHalfWritten() throws IOException {
        Path suites = dir.resolve("suites");
        Result r = run("toy", "suites", "--out", suites.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("suites");
        }
        try (Stream<Path> files = Files.list(suites)) {
            assertThat(files.map(p -> p.getFileName().toString())).isNotEmpty().allMatch(n -> n.endsWith(".jsonl"));
        }
        Path data = dir.resolve("train.jsonl");
        Files.writeString(data, "{\"id\": \"a\", \"family\": \"f\", \"prompt\": \"ab\", \"target\": \"c\"}\n");
        Path adapter = dir.resolve("adapter");
        Result trained = run("lora", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString(),
                "--steps", "1", "--grad-accum", "1", "--rank", "2");
        assertThat(trained.code()).as(trained.err()).isZero();
        assertThat(adapter.resolve("adapter_config.json")).exists();
        assertThat(adapter.resolve("training.json")).exists();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("suites", "train.jsonl", "adapter");
        }
        Result again = run("lora", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("--out " + adapter + " exists");
    }

    /**
     * A killed {@code lora train} (SIGKILL, in its own JVM) leaves no folder under the adapter's name, only a hidden staging
     * folder, even after it wrote a checkpoint: the adapter and its checkpoints are moved into place last.
     */
    @Test
    void aKilledLoraTrainingLeavesNoAdapterFolder() throws Exception {
        Path data = dir.resolve("train.jsonl");
        Files.writeString(data, "{\"id\": \"a\", \"family\": \"f\", \"prompt\": \"ab\", \"target\": \"c\"}\n");
        Path adapter = dir.resolve("adapter");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", Main.class.getName(),
                "lora", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString(), "--steps", "1000000",
                "--grad-accum", "1", "--rank", "2", "--checkpoints", "1").redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (process.isAlive() && System.nanoTime() < deadline && !checkpointStaged()) {
                Thread.sleep(20);
            }
            assertThat(checkpointStaged()).as(Files.readString(dir.resolve("train.log"))).isTrue();
            assertThat(process.isAlive()).as("training should still be running").isTrue();
        } finally {
            process.destroyForcibly(); // SIGKILL
            process.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(adapter).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).allMatch(n -> n.equals("train.jsonl") || n.equals("train.log")
                    || n.startsWith(".adapter."));
        }
    }

    /** Whether a staging folder of the adapter holds checkpoint-1's config. */
    private boolean checkpointStaged() throws IOException {
        try (Stream<Path> files = Files.find(dir, 3, (f, a) -> f.endsWith(Path.of("checkpoint-1", "adapter_config.json")))) {
            return files.findAny().isPresent();
        }
    }

    @Test
    void aTopKLargerThanTheVocabularyIsFoundBeforeAnythingRuns() throws IOException {
        Path file = study("topk", "");
        Files.writeString(file, Files.readString(file).replace("steps = [ { id = lens, experiment = probe } ]", """
                steps = [ { id = ablation, experiment = sweep, settings {
                  intervention { id = zero-ablation, settings { site = layer-output } }
                  sweep { layer = all }
                  metrics = [ { id = top-k-overlap, settings { k = 301 } } ] } } ]"""));
        Result r = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        // at the key itself, as a probe's top-k is (the metric returns a Problem at interp4j.metric.top-k-overlap.k)
        assertThat(r.err()).contains("study.steps[0].settings.metrics[0].settings.k: found 301; allowed: 1..300 (the vocabulary size)"
                + " of model 'main'");
    }

    private static final String MODELS = "  models { main { path = \"models/tiny\", create { seed = 2, layers = 2, hidden = 32, heads = 4,"
            + " kv-heads = 2, vocab = 300 } } }\n";

    /** Writes a study of the tiny model with these suites and steps, and checks that its dry run is refused with exit code 2. */
    private Result refusedDryRun(String name, String suites, String steps) throws IOException {
        Path file = dir.resolve("s.conf");
        Files.writeString(file, "study {\n  name = " + name + "\n" + MODELS + "  suites { " + suites + " }\n  steps = [ " + steps + " ]\n}\n");
        Result r = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        return r;
    }

    /** A study file whose braces and brackets do not pair up names the bracket that is wrong, its line, and the file once. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', ignoreLeadingAndTrailingWhitespace = false, value = {
        // suites' '{' is left open: the parser meets the end of the file ("expecting a close parentheses ')'", it said)
        "  suites { main { builtin = families-mini }\\n  steps = [ { id = lens, experiment = probe } ]\\n}\\n"
            + "|line 4: '{' is never closed (the '}' on line 6 is indented for an outer one); the file ends with one '{' open",
        // the list's ']' is missing: a '}' comes first ("List should have had new element after a comma", it said)
        "  suites { main { builtin = families-mini } }\\n  steps = [ { id = lens, experiment = probe }\\n}\\n"
            + "|line 6: '}' where the '[' opened on line 5 needs its ']' first",
        "  suites { main { builtin = families-mini } } }\\n  steps = [ { id = lens, experiment = probe } ]\\n}\\n"
            + "|line 4: '}' closes the '{' of line 1 early (its line is indented deeper than that one), so the '}' on line 6 closes nothing",
        // the brackets pair up: Typesafe's own words, with the line
        "  suites { main { builtin = families-mini } }\\n  seed = = 3\\n  steps = [ { id = lens, experiment = probe } ]\\n}\\n"
            + "|line 5: ",
    })
    void aHoconSyntaxErrorNamesTheRightBracketAndTheFileOnce(String rest, String message) throws IOException {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "study {\n  name = broken\n" + MODELS + rest.replace("\\n", "\n"));
        Result r = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(file + ": " + message);
        assertThat(r.err().split(java.util.regex.Pattern.quote(file.toString()), -1)).as(r.err()).hasSize(2); // once: one problem is one line, without a summary
    }

    @Test
    void aDeclaredSuiteWhoseFileIsMissingIsReportedAsMissingNotUnknown() throws IOException {
        Result r = refusedDryRun("nosuite", "main { file = \"nope.jsonl\" }", "{ id = lens, experiment = probe }");
        assertThat(r.err()).contains("study.suites.main.file: " + dir.resolve("nope.jsonl") + ": file not found")
                .contains("study.steps[0].settings.suite: suite 'main' is declared but could not be read; see study.suites.main.file")
                .doesNotContain("unknown suite");
    }

    /** A path setting holding a NUL character (found by CI's fuzzing of the study loader) is a problem naming it, exit code 2. */
    @Test
    void aPathThatIsNoPathOnThisSystemIsAProblemNotACrash() throws IOException {
        Result r = refusedDryRun("nul", "main { file = \"a\\u0000b.jsonl\" }", "{ id = lens, experiment = probe }");
        assertThat(r.err()).contains("study.suites.main.file: found \"a\\u0000b.jsonl\", which is not a path on this system (Nul character"
                + " not allowed); allowed: a file path, relative to the study file's folder");
    }

    /** A string where a plugin's settings hold an object: found by hand (issue #15's audit), it escaped as an internal error, exit 1. */
    @Test
    void aStringWhereASettingsObjectBelongsIsAProblemNotACrash() throws IOException {
        Result r = refusedDryRun("shape", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings {"
                + " intervention { id = steering, settings { site = layer-output, vector = \"zzz\" } }, sweep { layer = all } } }");
        assertThat(r.err()).contains("study.steps[0].settings.intervention.settings.vector: Wrong value type at 'vector', expecting: object")
                .doesNotContain("internal error");
    }

    /**
     * Found by the structure-aware study fuzzer: a null where a plugin's reference holds a number escaped as a Typesafe
     * {@code ConfigException.Null}, an internal error, exit 1; a null where it holds a string failed as the step started.
     */
    @Test
    void aNullWhereASettingBelongsIsAProblemNotACrash() throws IOException {
        Result r = refusedDryRun("nulls", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings { split = null,"
                + " intervention { id = steering, settings { site = layer-output, scale = null } }, sweep { layer = all } } }");
        assertThat(r.err()).contains("study.steps[0].settings.split: expected string, found null")
                .contains("study.steps[0].settings.intervention.settings.scale: expected number, found null")
                .doesNotContain("internal error").doesNotContain("failed to start");
    }

    @Test
    void anUnknownKeyDoesNotHideTheStepsOtherProblems() throws IOException {
        Result r = refusedDryRun("keys", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings { bogus = 1,"
                + " suite = nosuite, intervention { id = zero-ablation, settings { site = layer-output }, extra = 2 }, sweep { layer = all },"
                + " metrics = [ { id = top-k-overlap, settings { k = 301 } } ] } }");
        assertThat(r.err()).contains("study.steps[0].settings.bogus: unknown key")
                .contains("study.steps[0].settings.intervention.extra: unknown key")
                .contains("study.steps[0].settings.suite: unknown suite 'nosuite'; the study's suites: [main]")
                .contains("study.steps[0].settings.metrics[0].settings.k: found 301; allowed: 1..300 (the vocabulary size)");
    }

    @Test
    void aPatchOfEveryPositionFromAPromptOfAnotherLengthIsFoundBeforeAnythingRuns() throws IOException {
        Path file = dir.resolve("s.conf");
        Files.writeString(file, "study {\n  name = patch\n" + MODELS + "  suites { main { builtin = families-mini } }\n"
                + "  steps = [ { id = lens, experiment = probe },\n"
                + "    { id = patch, experiment = sweep, settings { intervention { id = activation-patching,"
                + " settings { site = layer-output, source-prompts = corrupt, positions = all } }, sweep { layer = all } } } ]\n}\n");
        Path out = dir.resolve("out");
        refusedStudy(file, out, "study.steps[1].settings.intervention at sweep point {layer = 0}, task '",
                "activation-patching: with positions = all the source prompt 'corrupt'[", "must be as long as the target prompt; found ");
        // nothing ran: the first step's result was never written
        assertThat(out).doesNotExist();
    }

    /** Found in the audit: positions = [40] ran on every shorter prompt, touched nothing there, and lowered the family means. */
    @Test
    void aPositionBeyondAPromptIsFoundBeforeAnythingRuns() throws IOException {
        Result r = refusedDryRun("beyond", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings {"
                + " intervention { id = zero-ablation, settings { site = layer-output, positions = [40] } }, sweep { layer = all } } }");
        assertThat(r.err()).contains("study.steps[0].settings", "position 40 is outside this prompt of ", "so it would touch nothing");
    }

    @Test
    void aTargetThatIsNotOneTokenIsFoundBeforeAnythingRuns() throws IOException {
        Result r = refusedDryRun("targets", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings {"
                + " target-rule = exact, intervention { id = zero-ablation, settings { site = layer-output } }, sweep { layer = all },"
                + " metrics = [ { id = kl-divergence }, { id = target-probability } ] } }");
        assertThat(r.err()).contains("study.steps[0].settings.metrics[1].id: metric 'target-probability' reads each task's target as one"
                + " token (target-rule = exact), which ").contains("is not a single token");
    }

    /** Two models of the same shape, a and b, created by the study. */
    private static final String TWO_MODELS = "  models {\n"
            + "    a { path = \"models/a\", create { seed = 2, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } }\n"
            + "    b { path = \"models/b\", create { seed = 3, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } }\n  }\n";

    /** A lora-training step on model a only, saving one checkpoint, after step 1. */
    private static final String TRAIN_A = "{ id = train, experiment = lora-training, settings { models = [a], suite = main, split = all,"
            + " family = json_schema, steps = 2, grad-accum = 1, checkpoints = [1] } }";

    @Test
    void rowsReadingAdaptersThatTheirTrainingStepWillNotWriteAreFoundBeforeAnythingRuns() throws IOException {
        Path file = dir.resolve("s.conf");
        Files.writeString(file, "study {\n  name = adapters\n" + TWO_MODELS + "  suites { main { builtin = families-mini } }\n  steps = [\n"
                + "    " + TRAIN_A + ",\n"
                + "    { id = transfer, experiment = cross-model-transfer, settings { training-step = train, suite = main, split = all } },\n"
                + "    { id = lock, experiment = circuit-lock-in, settings { models = [a], training-step = train, suite = main, split = all,"
                + " families = [copying], prompts-per-family = 1, checkpoints = [1, 2], top = 1 } },\n"
                + "    { id = norms, experiment = adapter-norm-effect, settings { models = [a], training-step = transfer, suite = main,"
                + " split = all } } ]\n}\n");
        Path out = dir.resolve("out");
        // the whole study is refused, every problem at once, and nothing runs: the training step would have run first
        refusedStudy(file, out, "study.steps[1].settings.training-step: step 'train' trains adapters for models [a], so it leaves none"
                + " for model 'b'; train this model in that step, or leave it out of models",
                "study.steps[2].settings.checkpoints: step 'train' saves no checkpoint after step [2] for model 'a'; it saves [1]. Add the"
                + " step to that step's checkpoints, or leave it out here",
                "study.steps[3].settings.training-step: step 'transfer' trains no LoRA adapters (atlas cross-model transfer: ",
                "allowed: the id of an earlier lora-training step");
        assertThat(out).doesNotExist();
        Result dry = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(dry.code()).as(dry.err()).isEqualTo(2);
        assertThat(dry.err()).contains("study.steps[1].settings.training-step: step 'train' trains adapters for models [a]");
    }

    @Test
    void atlasRowTargetsThatAreNotOneTokenOfTheModelAreFoundBeforeAnythingRuns() throws IOException {
        Files.writeString(dir.resolve("mine.jsonl"), """
                {"id": "p1", "family": "positive", "prompt": "I love this", "target": "x"}
                {"id": "n1", "family": "negative", "prompt": "I hate this", "target": "x"}
                {"id": "t1", "family": "target", "prompt": "The capital of Italy is", "target": " Rome"}
                {"id": "s1", "family": "skill", "prompt": "2 + 2 =", "target": "#5000"}
                {"id": "o1", "family": "non-skill", "prompt": "The sky is", "target": "blue"}
                """);
        Result r = refusedDryRun("targets", "main { builtin = families-mini }, mine { file = \"mine.jsonl\" }",
                "{ id = train, experiment = lora-training, settings { suite = main, split = all, family = json_schema, steps = 2,"
                + " grad-accum = 1, checkpoints = [1] } },"
                + " { id = hub, experiment = universal-hub, settings { suite = main, split = all, target-rule = exact } },"
                + " { id = steer, experiment = steering-leverage, settings { suite = mine, layer = 1, target-rule = exact,"
                + " published-target = \"Rome\" } },"
                + " { id = knock, experiment = skill-knockout, settings { training-step = train, suite = mine } },"
                + " { id = lock, experiment = circuit-lock-in, settings { training-step = train, suite = main, split = all,"
                + " families = [factual_recall], prompts-per-family = 2, checkpoints = [1], top = 1, target-rule = exact } }");
        assertThat(r.err())
                .contains("study.steps[1].settings.target-rule: model 'main' reads each task's target as one token (target-rule = exact),"
                        + " which ", " tasks do not give: task '")
                .contains("study.steps[2].settings.suite: model 'main' reads each task's target as one token (target-rule = exact), which"
                        + " 1 of the 1 tasks do not give: task 't1': target ' Rome' is not a single token")
                .contains("study.steps[2].settings.published-target: model 'main' (target-rule = exact): target 'Rome' is not a single token")
                .contains("study.steps[3].settings.suite: model 'main' reads each task's target as one token (target-rule = first-token),"
                        + " which 1 of the 2 tasks do not give: task 's1': target '#5000' is token 5000, outside the vocabulary 0..299")
                .contains("study.steps[4].settings.target-rule: model 'main' reads each task's target as one token (target-rule = exact),"
                        + " which 2 of the 2 tasks do not give: task 'factual_recall-1': target 'Paris' is not a single token");
    }

    @Test
    void aProbesTopKLargerThanTheVocabularyIsFoundBeforeAnythingRuns() throws IOException {
        Result r = refusedDryRun("lens", "main { builtin = families-mini }",
                "{ id = lens, experiment = probe, settings { probe { id = logit-lens, settings { top-k = 301, layers = [0, 5] } } } }");
        assertThat(r.err()).contains("study.steps[0].settings.probe.settings.layers: ", "of model 'main'");
        Result k = refusedDryRun("lens", "main { builtin = families-mini }",
                "{ id = lens, experiment = probe, settings { probe { id = logit-lens, settings { top-k = 301 } } } }");
        assertThat(k.err()).contains("study.steps[0].settings.probe.settings.top-k: found 301; allowed: 1..300 (the vocabulary size) of"
                + " model 'main'");
    }

    @Test
    void anUnknownKeyInAPluginsSettingsIsReportedBesideTheStepsOwnProblems() throws IOException {
        Result r = refusedDryRun("nested", "main { builtin = families-mini }", "{ id = s, experiment = sweep, settings {"
                + " target-rule = bogus, intervention { id = zero-ablation, settings { site = layer-output, bogus = 1 } },"
                + " sweep { layer = all }, metrics = [ { id = kl-divergence }, { id = top-k-overlap, settings { kk = 3 } } ] } }");
        assertThat(r.err()).contains("study.steps[0].settings.target-rule: found 'bogus'; allowed: exact, leading-space, first-token")
                .contains("study.steps[0].settings.intervention.settings.bogus: unknown key")
                .contains("study.steps[0].settings.metrics[1].settings.kk: unknown key");
    }

    @Test
    void aRowWhosePromptsCannotBeEncodedIsFoundBeforeAnythingRuns() throws IOException {
        Path m = copyOfModel();
        Files.delete(m.resolve("tokenizer.json"));
        Path file = dir.resolve("s.conf");
        Files.writeString(file, "study {\n  name = notok\n  models { main { path = \"" + m.toString().replace("\\", "/") + "\" } }\n"
                + "  suites { main { builtin = families-mini } }\n"
                + "  steps = [ { id = arch, experiment = architecture }, { id = hub, experiment = universal-hub, settings { suite = main,"
                + " split = all } } ]\n}\n");
        Path out = dir.resolve("out");
        refusedStudy(file, out, "study.steps[1].settings: study model 'main' (", ") has no tokenizer.json; steps that encode prompts as"
                + " text need one");
        assertThat(out).doesNotExist();
    }
}
