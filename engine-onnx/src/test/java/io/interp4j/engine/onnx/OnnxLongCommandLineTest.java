package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Creating ONNX Runtime's environment walks the process's command line recursively, about one native
 * frame per character; a command line naming every hook point of a 24-layer model (what {@code
 * forward --cache} takes) used to overflow the default thread stack and kill the JVM with SIGSEGV. A
 * child JVM with the default stack and such a command line caches every hook point.
 */
class OnnxLongCommandLineTest {
    @TempDir
    Path dir;

    @Test
    void everyHookPointOfA24LayerModelOnTheCommandLineRunsWithTheDefaultStack() throws Exception {
        ModelConfig config = ModelConfig.of(512, 64, 128, 24, 4, 2, true);
        RandomCheckpoint.write(dir.resolve("m"), config, DType.F32, 1);
        String points = HookPoint.all(config).stream().map(HookPoint::name).collect(Collectors.joining(","));
        assertThat(points.length()).as("the --cache list of every hook point").isGreaterThan(10_000);
        String classPath = String.join(File.pathSeparator, System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dai.djl.offline=true", "-cp", classPath, CacheEveryPoint.class.getName(), dir.resolve("m").toString(), points)
                .redirectErrorStream(true)
                .start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            child.destroyForcibly();
        }
        assertThat(finished).as("the child JVM finished").isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("cached " + HookPoint.all(config).size() + " hook points");
    }

    /** The child: loads the model and caches the hook points named by its second argument. */
    static final class CacheEveryPoint {
        public static void main(String[] args) {
            List<HookPoint> points = List.of(args[1].split(",")).stream().map(HookPoint::parse).toList();
            try (Model model = new OnnxEngineProvider().load(Checkpoint.open(Path.of(args[0]))); Run run = model.newRun()) {
                int cached = run.cache(points).forward(1, 2, 3, 4, 5).cache().points().size();
                System.out.println("cached " + cached + " hook points");
            }
        }
    }
}
