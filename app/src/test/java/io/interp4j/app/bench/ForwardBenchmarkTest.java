package io.interp4j.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench forward}: each engine's times beside the compute and memory floors; {@code --cache SITE}: the caching forward's ratio. */
class ForwardBenchmarkTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyEngineIsTimedBesideTheFloorsOfTheSameRun() {
        Path model = dir.resolve("m");
        assertThat(run("random-model", "--out", model.toString(), "--seed", "2", "--layers", "2", "--hidden", "16", "--heads", "2").code())
                .isZero();
        Result r = run("bench", "forward", "--model", model.toString(), "--tokens", "3,5", "--decode", "3", "--repeats", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("compute floor    the bare matrix products of the same forward on onnx's kernels")
                .containsPattern("memory floor +[0-9.]+ GiB of float32 weights read per decoded token / read bandwidth \\([0-9]+ threads reading,"
                        + " as the engines compute\\), measured in turn with each decode");
        for (String engine : new String[] {"djl", "onnx"}) {
            assertThat(r.out()).containsPattern(engine + " +prefill 3 +[0-9.]+ +[0-9.]+ +[0-9.]+x *\\n")
                    .containsPattern(engine + " +prefill 5 +[0-9.]+ +[0-9.]+ +[0-9.]+x *\\n")
                    .containsPattern(engine + " +decode \\(3\\+3\\) +[0-9.]+ +[0-9.]+ +[0-9.]+x +[0-9.]+ +[0-9.]+x\\n");
        }
        assertThat(r.out()).contains("prefill logits at every position");
        Result last = run("bench", "forward", "--model", model.toString(), "--tokens", "4", "--decode", "2", "--repeats", "1", "--engine",
                "onnx", "--logits", "last");
        assertThat(last.code()).as(last.err()).isZero();
        assertThat(last.out()).contains("prefill logits at the last position").containsPattern("onnx +prefill 4 +[0-9.]+ +[0-9.]+ +[0-9.]+x *\\n");
        Result badLogits = run("bench", "forward", "--model", model.toString(), "--logits", "first");
        assertThat(badLogits.code()).isEqualTo(2);
        assertThat(badLogits.err()).isEqualTo("interp4j bench forward: --logits must be all or last, found 'first'\n");
        Result bad = run("bench", "forward", "--model", model.toString(), "--tokens", "3,x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("interp4j bench forward: --tokens must be an integer, found 'x'\n");
        Result tooLong = run("bench", "forward", "--model", model.toString(), "--tokens", "3,70000");
        assertThat(tooLong.code()).isEqualTo(2);
        assertThat(tooLong.err()).isEqualTo("interp4j bench forward: --tokens must be in [1, 65536], found 70000\n");
    }

    @Test
    void aDecodedTokenReadsEveryWeightButAnUntiedEmbedding() {
        Path untied = dir.resolve("untied");
        RandomCheckpoint.write(untied, ModelConfig.of(257, 16, 32, 1, 2, 2, false), DType.F32, 1);
        Path tied = dir.resolve("tied");
        RandomCheckpoint.write(tied, ModelConfig.of(257, 16, 32, 1, 2, 2, true), DType.F32, 1);
        // per block: q, k, v 16x16 and biases 16 each, o 16x16, gate and up 32x16, down 16x32, two norms 16
        long block = 4 * 256 + 3 * 16 + 3 * 512 + 2 * 16;
        try (Checkpoint u = Checkpoint.open(untied); Checkpoint t = Checkpoint.open(tied)) {
            // untied: the block, the final norm and the lm_head (257 x 16); the embedding is read one row at a time
            assertThat(ForwardBenchmark.decodeWeightBytes(u)).isEqualTo(4 * (block + 16 + 257 * 16));
            // tied: the embedding is the unembedding, read whole
            assertThat(ForwardBenchmark.decodeWeightBytes(t)).isEqualTo(4 * (block + 16 + 257 * 16));
        }
    }

    @Test
    void readBandwidthIsPositiveAndFinite() {
        for (int threads = 1; threads <= 2; threads++) {
            try (ForwardBenchmark.ReadBandwidth bandwidth = new ForwardBenchmark.ReadBandwidth(threads)) {
                assertThat(bandwidth.bytesPerSecond()).isPositive().isFinite();
                assertThat(bandwidth.bytesPerSecond()).isPositive().isFinite();
            }
        }
    }

    @Test
    void cachingASiteAtEveryLayerIsTimedBesideThePlainForward() {
        Path model = dir.resolve("m");
        assertThat(run("random-model", "--out", model.toString(), "--seed", "2", "--layers", "3", "--hidden", "16", "--heads", "2").code())
                .isZero();
        Result r = run("bench", "forward", "--model", model.toString(), "--tokens", "4", "--repeats", "1", "--engine", "onnx",
                "--cache", "resid_post");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("caching +resid_post at 3 points: median [0-9.]+ ms, [0-9.]+x the plain forward");
        Result bad = run("bench", "forward", "--model", model.toString(), "--tokens", "4", "--cache", "resid_postt");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--cache: unknown hook site 'resid_postt'", "resid_post", "attn.z");
        assertThat(bad.out()).isEmpty();
    }
}
