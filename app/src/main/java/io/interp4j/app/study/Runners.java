package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ReadoutSink;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.planner.runner.ModelSource;
import io.interp4j.planner.runner.PlanRunner;
import io.interp4j.planner.runner.PlanRunnerProvider;
import io.interp4j.planner.runner.RunnerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Opens the runner that {@code --runner} names: {@code local} (this JVM, the study's own executor) or a
 * provider found by {@link ServiceLoader}. Distributed runners are found here, not through the plugin
 * registry, because they are not study plugins: they live on the class path (Spark cannot be a JPMS
 * module), and the launcher puts them there only when one is asked for, so the app never compiles
 * against Spark.
 */
final class Runners {
    static final String LOCAL = "local";

    private Runners() {}

    /**
     * The runner of a study run.
     *
     * @param id the runner id
     * @param options the runner's options from the command line
     */
    record Choice(String id, Map<String, String> options) {
        static final Choice DEFAULT = new Choice(LOCAL, Map.of());

        Choice {
            options = Map.copyOf(options);
        }
    }

    static PlanRunner open(Choice choice, StudyPlan plan) {
        if (choice.id().equals(LOCAL)) {
            if (!choice.options().isEmpty()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "runner local takes no options; found " + choice.options().keySet()
                        + " (--master is an option of --runner spark)");
            }
            return new LocalRunner(plan.forwards());
        }
        Map<String, PlanRunnerProvider> found = new TreeMap<>();
        for (PlanRunnerProvider provider : ServiceLoader.load(PlanRunnerProvider.class)) {
            if (found.putIfAbsent(provider.id(), provider) != null) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "two runners have the id '" + provider.id() + "': "
                        + found.get(provider.id()).getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        PlanRunnerProvider provider = found.get(choice.id());
        if (provider == null) {
            List<String> known = new ArrayList<>(List.of(LOCAL));
            known.addAll(found.keySet());
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "--runner: unknown runner '" + choice.id() + "'; found: "
                    + String.join(", ", known) + (choice.id().equals("spark") ? " (the Spark runner is on the class path only when"
                    + " ./interp4j is started with --runner spark)" : ""));
        }
        Map<String, ModelSource> models = new LinkedHashMap<>();
        for (StudyPlan.ModelSpec m : plan.models().values()) {
            models.put(m.name(), new ModelSource(plan.forwards().engineOf(m), m.path(), new LoadOptions(m.adapter(), m.quantization())));
        }
        return provider.open(new RunnerSettings(choice.options(), models, plan.forwards().options()));
    }

    /** The study's own executor, in this JVM. */
    private record LocalRunner(StudyPlan.ForwardsSpec forwards) implements PlanRunner {
        @Override
        public Step step(Path partial) {
            PlanExecutor executor = forwards.create();
            return new Step() {
                private boolean ran;

                @Override
                public void execute(ForwardPlan plan, Function<String, Model> models, Progress progress, ReadoutSink sink) {
                    ran = true;
                    executor.execute(plan, models, progress, sink);
                }

                @Override
                public String ranOn() {
                    return ran ? "this JVM (" + forwards.executor() + " executor" + forwards.engine().map(e -> " on " + e).orElse("") + ")" : "this JVM";
                }
            };
        }

        @Override
        public void close() {}
    }
}
