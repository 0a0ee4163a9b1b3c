package io.interp4j.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench forward --cache SITE}: the caching forward's time and its ratio to the plain one, or a usage error. */
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
