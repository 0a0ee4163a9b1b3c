package io.interp4j.app.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.report.StepResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finished steps, one file each under {@code steps/}, written atomically as they complete, so a
 * killed study loses no finished step and never leaves a partial file under a final name. A stored
 * step is reused when its fingerprint (settings, models, suites, seed, and the provenance of the
 * plugins it used) is unchanged.
 */
final class StepStore {
    private static final String FORMAT = "interp4j-step/1";

    private final Path directory;

    StepStore(Path outDirectory) {
        this.directory = outDirectory.resolve("steps");
    }

    Path file(StudyPlan.StepSpec step) {
        return directory.resolve(String.format(Locale.ROOT, "%02d-%s.json", step.index() + 1, step.id()));
    }

    /** The step's artefact folder, next to its result file. */
    Path artefacts(StudyPlan.StepSpec step) {
        Path folder = directory.resolve(String.format(Locale.ROOT, "%02d-%s.files", step.index() + 1, step.id()));
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, folder + ": cannot create the step's artefact folder: " + e.getMessage(), e);
        }
        return folder;
    }

    /** Forgets a step's result and artefacts before it runs again, so nothing stale looks complete. */
    void clear(StudyPlan.StepSpec step) {
        Path folder = directory.resolve(String.format(Locale.ROOT, "%02d-%s.files", step.index() + 1, step.id()));
        try {
            Files.deleteIfExists(file(step));
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file(step) + ": cannot clear the step's earlier output: " + e.getMessage(), e);
        }
        delete(folder, "cannot clear the step's earlier output");
    }

    /**
     * The folder where a runner keeps a running step's finished parts (the Spark runner: its finished
     * partitions), named by the step's fingerprint: a rerun of an interrupted step with nothing changed
     * finds them; any change names another folder. It is deleted once the step is stored.
     */
    Path partial(StudyPlan.StepSpec step, String fingerprint) {
        return directory.resolve(".partial").resolve(String.format(Locale.ROOT, "%02d-%s-%s", step.index() + 1, step.id(),
                fingerprint.substring(0, Math.min(16, fingerprint.length()))));
    }

    /** Deletes a step's partial folders, of this fingerprint and of any earlier one. */
    void dropPartial(StudyPlan.StepSpec step) {
        Path root = directory.resolve(".partial");
        if (!Files.isDirectory(root)) {
            return;
        }
        String prefix = String.format(Locale.ROOT, "%02d-%s-", step.index() + 1, step.id());
        try (java.util.stream.Stream<Path> list = Files.list(root)) {
            for (Path folder : list.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                delete(folder, "cannot delete the step's finished parts");
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, root + ": cannot list: " + e.getMessage(), e);
        }
        try (java.util.stream.Stream<Path> left = Files.list(root)) {
            if (left.findAny().isEmpty()) {
                Files.delete(root);
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, root + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static void delete(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, folder + ": " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the stored record of a step if its fingerprint matches the one computed now from the
     * plugins the stored run used (their versions and jar digests as they are now).
     */
    Optional<StudyResults.StepRecord> load(StudyPlan.StepSpec step, java.util.function.Function<List<String>, Optional<String>> fingerprintOf) {
        Path file = file(step);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString()) || !o.has("plugins")) {
                return Optional.empty();
            }
            List<String> plugins = new ArrayList<>();
            o.getAsJsonArray("plugins").forEach(p -> plugins.add(p.getAsString()));
            Optional<String> now = fingerprintOf.apply(plugins);
            if (now.isEmpty() || !now.get().equals(o.get("fingerprint").getAsString())) {
                return Optional.empty();
            }
            String fingerprint = now.get();
            return Optional.of(new StudyResults.StepRecord(
                    o.get("id").getAsString(),
                    o.get("experiment").getAsString(),
                    o.get("description").getAsString(),
                    o.get("settings").getAsString(),
                    fingerprint,
                    o.get("seconds").getAsDouble(),
                    o.get("forwardPasses").getAsLong(),
                    true,
                    StepResultJson.fromJson(o.get("result").toString()),
                    o.has("ranOn") ? o.get("ranOn").getAsString() : ""));
        } catch (IOException | RuntimeException e) {
            // unreadable: the step simply runs again
            org.slf4j.LoggerFactory.getLogger(StepStore.class).warn("{}: cannot reuse the stored result ({}); the step runs again", file, e.toString());
            return Optional.empty();
        }
    }

    /** Stores a finished step with the plugins it used ({@code kind/id}), whose provenance its fingerprint includes. */
    void save(StudyResults.StepRecord record, StudyPlan.StepSpec step, List<String> plugins) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("id", record.id());
        o.addProperty("experiment", record.experiment());
        o.addProperty("description", record.description());
        o.addProperty("settings", record.settings());
        o.addProperty("fingerprint", record.fingerprint());
        JsonArray used = new JsonArray();
        plugins.forEach(used::add);
        o.add("plugins", used);
        o.addProperty("seconds", record.seconds());
        o.addProperty("forwardPasses", record.forwardPasses());
        o.addProperty("ranOn", record.ranOn());
        o.add("result", JsonParser.parseString(StepResultJson.toJson(record.result())));
        Path file = file(step);
        try {
            Files.createDirectories(directory);
            Path tmp = directory.resolve("." + file.getFileName() + ".partial");
            Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
