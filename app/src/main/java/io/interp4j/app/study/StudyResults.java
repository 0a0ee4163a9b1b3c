package io.interp4j.app.study;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.ThreadPolicy;
import java.util.List;
import java.util.Map;

/**
 * Everything a finished (or partly finished) study produced, as written to {@code results.json} and
 * rendered in {@code report.md} and {@code report.html}.
 *
 * @param name the study's name
 * @param resolvedConfig the study's resolved configuration, rendered as HOCON/JSON text
 * @param versions software versions (interp4j, Java, DJL, PyTorch, ...)
 * @param threads the engines' intra-op thread count, how it was chosen, and OpenMP's wait policy: the
 *     last digits of float32 results depend on the thread count, so every step was computed with these
 * @param seed the study's seed
 * @param models the models used
 * @param steps the steps, in study order
 * @param startedAt ISO-8601 time the run started
 * @param totalSeconds wall time of this run
 */
public record StudyResults(
        String name,
        String resolvedConfig,
        Map<String, String> versions,
        ThreadPolicy threads,
        long seed,
        List<ModelInfo> models,
        List<StepRecord> steps,
        String startedAt,
        double totalSeconds) {
    /** Copies the collections. */
    public StudyResults {
        requireNonNull(name, "name is null");
        requireNonNull(resolvedConfig, "resolvedConfig is null");
        versions = Map.copyOf(versions);
        requireNonNull(threads, "threads is null");
        models = List.copyOf(models);
        steps = List.copyOf(steps);
        requireNonNull(startedAt, "startedAt is null");
    }

    /**
     * One model of the study.
     *
     * @param name its name in the study
     * @param path its directory
     * @param engine the engine id
     * @param architecture a one-line summary (layers, heads, widths, parameters)
     * @param fileHashes SHA-256 of each file of the model directory that was read, by file name
     */
    public record ModelInfo(String name, String path, String engine, String architecture, Map<String, String> fileHashes) {
        /** Copies the hashes. */
        public ModelInfo {
            fileHashes = Map.copyOf(fileHashes);
        }
    }

    /**
     * One step.
     *
     * @param id the step's id in the study
     * @param experiment the experiment plugin id
     * @param description what the step does
     * @param settings the step's resolved settings, rendered as JSON
     * @param fingerprint hash of everything the step's result depends on (settings, models, suites, the plugins that produced it)
     * @param seconds how long the step took when it ran
     * @param forwardPasses how many forward passes it ran
     * @param resumed whether this run reused a stored result instead of running the step
     * @param result the tables, charts and summary
     * @param ranOn where the step's forward plans ran (e.g. {@code Spark local[2]: ...}); empty when not recorded
     */
    public record StepRecord(
            String id,
            String experiment,
            String description,
            String settings,
            String fingerprint,
            double seconds,
            long forwardPasses,
            boolean resumed,
            StepResult result,
            String ranOn) {
        /** Checks the fields. */
        public StepRecord {
            requireNonNull(id, "id is null");
            requireNonNull(experiment, "experiment is null");
            requireNonNull(description, "description is null");
            requireNonNull(settings, "settings is null");
            requireNonNull(fingerprint, "fingerprint is null");
            requireNonNull(result, "result is null");
            requireNonNull(ranOn, "ranOn is null");
        }

        /** A step record that says nothing of where it ran (results written before runners existed). */
        public StepRecord(String id, String experiment, String description, String settings, String fingerprint, double seconds,
                long forwardPasses, boolean resumed, StepResult result) {
            this(id, experiment, description, settings, fingerprint, seconds, forwardPasses, resumed, result, "");
        }
    }
}
