package io.interp4j.runner.spark;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.planner.runner.ModelSource;
import io.interp4j.planner.runner.RunnerSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A random float32 model {@code m} on disk and plans on it of clean and zero-ablated prompts, for the runner's tests. */
final class RandomPlans {
    private static final ModelConfig CONFIG = ModelConfig.of(300, 32, 64, 3, 4, 2, false);
    /** Small enough that a plan has several chunks, so that it has several partitions. */
    static final PlannerOptions OPTIONS = new PlannerOptions(64, 4_000);

    private RandomPlans() {}

    /** Writes the model to {@code dir}/m. */
    static void writeModel(Path dir) {
        RandomCheckpoint.write(dir.resolve("m"), CONFIG, DType.F32, 3);
    }

    /** Twelve prompts of 4 to 8 random tokens, each clean and with each block's contribution zeroed in turn. */
    static ForwardPlan plan(long seed) {
        ForwardPlan.Builder builder = ForwardPlan.builder();
        Random random = new Random(seed);
        for (int p = 0; p < 12; p++) {
            int[] prompt = random.ints(4 + p % 5, 0, CONFIG.vocabSize()).toArray();
            builder.add(ForwardRequest.clean("m", prompt));
            for (int layer = 0; layer < CONFIG.numLayers(); layer++) {
                builder.add(ForwardRequest.intervened("m", prompt, List.of(Intervention.zero(Site.parse("blocks." + layer + ".contribution"),
                        Positions.ALL))));
            }
        }
        return builder.build();
    }

    /** The plan's readouts from the local planner, in this JVM. */
    static List<ForwardReadout> local(Path dir, ForwardPlan plan) {
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(dir.resolve("m")))) {
            return new Planner(OPTIONS).execute(plan, key -> model, n -> { });
        }
    }

    /** The Spark runner's settings: the master given, 3 partitions a plan. */
    static RunnerSettings settings(Path dir, String master) {
        return new RunnerSettings(Map.of("master", master, "partitions", "3"),
                Map.of("m", new ModelSource("djl", dir.resolve("m"), LoadOptions.defaults())), OPTIONS);
    }

    /** The local executor as ranOn names it: the driver, with the engine threads of this JVM. */
    static String driver() {
        int threads = ThreadPolicy.current().intraOp();
        return "[driver] with " + threads + " engine thread" + (threads == 1 ? "" : "s");
    }
}
