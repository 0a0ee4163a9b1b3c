package io.interp4j.app.report;

import static io.interp4j.app.report.JsonValues.malformed;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code results.json}: everything in {@link StudyResults}, every number included, as strict JSON.
 *
 * <pre>{@code
 * {
 *   "format": "interp4j-results/1",
 *   "name": "...", "startedAt": "2025-01-01T00:00:00Z", "totalSeconds": 12.5, "seed": 42,
 *   "versions": {"interp4j": "0.1.0", ...},
 *   "threads": {"intraOp": 2, "source": "physical cores", "ompWaitPolicy": "PASSIVE"},
 *   "models": [{"name": "...", "path": "...", "engine": "djl", "architecture": "...",
 *               "fileHashes": {"config.json": "<sha-256 hex>", ...}}],
 *   "steps": [{"id": "...", "experiment": "...", "description": "...", "seconds": 1.5, "forwardPasses": 120,
 *              "resumed": false, "ranOn": "...", "fingerprint": "...", "settings": "<JSON text>",
 *              "result": <as StepResultJson>}],
 *   "resolvedConfig": "<HOCON/JSON text>"
 * }
 * }</pre>
 *
 * <p>Numbers are written as {@link StepResultJson} writes them: doubles in round-trip decimal form,
 * non-finite doubles ({@code NaN}, {@code ±Infinity}, including {@code totalSeconds} and
 * {@code seconds}) as the JSON strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}, so
 * that any strict JSON reader accepts the file; table cells that were integral read back as {@code
 * Long}. Maps of versions and hashes are written sorted by key; {@code settings} and {@code
 * resolvedConfig} are kept as text, exactly as given.
 */
public final class ResultsJson {
    /** The value of the {@code format} key. */
    public static final String FORMAT = "interp4j-results/1";

    private ResultsJson() {}

    /**
     * Serialises results.
     *
     * @param results the results
     * @return the JSON text
     */
    public static String toJson(StudyResults results) {
        StringWriter out = new StringWriter();
        try {
            write(results, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Writes results as JSON, followed by a newline.
     *
     * @param results the results
     * @param out the target
     * @throws IOException when writing fails
     */
    public static void write(StudyResults results, Writer out) throws IOException {
        JsonWriter w = JsonValues.writer(out, true);
        w.beginObject();
        w.name("format").value(FORMAT);
        w.name("name").value(results.name());
        w.name("startedAt").value(results.startedAt());
        w.name("totalSeconds");
        JsonValues.writeDouble(w, results.totalSeconds());
        w.name("seed").value(results.seed());
        w.name("versions");
        writeStringMap(w, results.versions());
        w.name("threads").beginObject();
        w.name("intraOp").value(results.threads().intraOp());
        w.name("source").value(results.threads().source());
        w.name("ompWaitPolicy").value(results.threads().ompWaitPolicy());
        w.endObject();
        w.name("models").beginArray();
        for (ModelInfo model : results.models()) {
            w.beginObject();
            w.name("name");
            JsonValues.writeNullableString(w, model.name());
            w.name("path");
            JsonValues.writeNullableString(w, model.path());
            w.name("engine");
            JsonValues.writeNullableString(w, model.engine());
            w.name("architecture");
            JsonValues.writeNullableString(w, model.architecture());
            w.name("fileHashes");
            writeStringMap(w, model.fileHashes());
            w.endObject();
        }
        w.endArray();
        w.name("steps").beginArray();
        for (StepRecord step : results.steps()) {
            w.beginObject();
            w.name("id").value(step.id());
            w.name("experiment").value(step.experiment());
            w.name("description").value(step.description());
            w.name("seconds");
            JsonValues.writeDouble(w, step.seconds());
            w.name("forwardPasses").value(step.forwardPasses());
            w.name("resumed").value(step.resumed());
            w.name("ranOn").value(step.ranOn());
            w.name("fingerprint").value(step.fingerprint());
            w.name("settings").value(step.settings());
            w.name("result");
            StepResultJson.write(w, step.result());
            w.endObject();
        }
        w.endArray();
        w.name("resolvedConfig").value(results.resolvedConfig());
        w.endObject();
        w.flush();
        out.write('\n');
    }

    /**
     * Parses what {@link #toJson} wrote.
     *
     * @param json the JSON text
     * @return the results
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when the text is not study results
     */
    public static StudyResults fromJson(String json) {
        try {
            return read(new StringReader(json));
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "malformed results JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a {@code results.json} file.
     *
     * @param file the file
     * @return the results
     * @throws Interp4jException ({@link ErrorCode#IO_ERROR}) when the file cannot be read, ({@link
     *     ErrorCode#INVALID_ARGUMENT}) when it is not study results
     */
    public static StudyResults read(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads what {@link #write} wrote; nothing but white space may follow.
     *
     * @param in the source
     * @return the results
     * @throws IOException when reading fails or the JSON is malformed
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when the JSON is not study results
     */
    public static StudyResults read(Reader in) throws IOException {
        JsonReader r = JsonValues.reader(in);
        try {
            StudyResults results = readResults(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw malformed(r, "unexpected content after the results");
            }
            return results;
        } catch (IllegalStateException e) {
            // JsonReader's complaint about an unexpected token
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "malformed results JSON: " + e.getMessage(), e);
        }
    }

    private static StudyResults readResults(JsonReader r) throws IOException {
        String name = null;
        String resolvedConfig = null;
        Map<String, String> versions = null;
        ThreadPolicy threads = null;
        Long seed = null;
        List<ModelInfo> models = null;
        List<StepRecord> steps = null;
        String startedAt = null;
        Double totalSeconds = null;
        Set<String> seen = new HashSet<>();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (!seen.add(key)) {
                throw malformed(r, "duplicate key '" + key + "'");
            }
            switch (key) {
                case "format" -> {
                    String format = r.nextString();
                    if (!FORMAT.equals(format)) {
                        throw malformed(r, "unsupported format '" + format + "'; this version reads '" + FORMAT + "'");
                    }
                }
                case "name" -> name = r.nextString();
                case "resolvedConfig" -> resolvedConfig = r.nextString();
                case "versions" -> versions = readStringMap(r);
                case "threads" -> threads = readThreads(r);
                case "seed" -> seed = JsonValues.readLong(r);
                case "models" -> models = readModels(r);
                case "steps" -> steps = readSteps(r);
                case "startedAt" -> startedAt = r.nextString();
                case "totalSeconds" -> totalSeconds = JsonValues.readDouble(r);
                default -> throw malformed(r, "unknown key '" + key + "'; allowed: format, name, startedAt, totalSeconds, seed,"
                        + " versions, threads, models, steps, resolvedConfig");
            }
        }
        r.endObject();
        if (!seen.containsAll(List.of("format", "name", "resolvedConfig", "versions", "threads", "seed", "models", "steps", "startedAt",
                "totalSeconds"))) {
            throw malformed(r, "missing keys; found only " + seen);
        }
        return new StudyResults(name, resolvedConfig, versions, threads, seed, models, steps, startedAt, totalSeconds);
    }

    private static ThreadPolicy readThreads(JsonReader r) throws IOException {
        Long intraOp = null;
        Map<String, String> text = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "intraOp" -> intraOp = JsonValues.readLong(r);
                case "source", "ompWaitPolicy" -> text.put(key, r.nextString());
                default -> throw malformed(r, "unknown key '" + key + "' in threads; allowed: intraOp, source, ompWaitPolicy");
            }
        }
        r.endObject();
        if (intraOp == null || text.size() != 2 || intraOp < 1 || intraOp > Integer.MAX_VALUE) {
            throw malformed(r, "threads needs intraOp (a positive count), source and ompWaitPolicy");
        }
        return new ThreadPolicy(intraOp.intValue(), text.get("source"), text.get("ompWaitPolicy"));
    }

    private static List<ModelInfo> readModels(JsonReader r) throws IOException {
        List<ModelInfo> models = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            Map<String, String> fields = new LinkedHashMap<>();
            Map<String, String> hashes = null;
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "name", "path", "engine", "architecture" -> fields.put(key, JsonValues.readNullableString(r));
                    case "fileHashes" -> hashes = readStringMap(r);
                    default -> throw malformed(r, "unknown key '" + key + "' in a model; allowed: name, path, engine, architecture,"
                            + " fileHashes");
                }
            }
            r.endObject();
            if (fields.size() != 4 || hashes == null) {
                throw malformed(r, "a model needs name, path, engine, architecture and fileHashes");
            }
            models.add(new ModelInfo(fields.get("name"), fields.get("path"), fields.get("engine"), fields.get("architecture"), hashes));
        }
        r.endArray();
        return models;
    }

    private static List<StepRecord> readSteps(JsonReader r) throws IOException {
        List<StepRecord> steps = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            Map<String, String> text = new LinkedHashMap<>();
            Double seconds = null;
            Long forwardPasses = null;
            Boolean resumed = null;
            String ranOn = "";
            StepResult result = null;
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "id", "experiment", "description", "fingerprint", "settings" -> text.put(key, r.nextString());
                    case "seconds" -> seconds = JsonValues.readDouble(r);
                    case "forwardPasses" -> forwardPasses = JsonValues.readLong(r);
                     case "resumed" -> resumed = r.nextBoolean();
                    case "ranOn" -> ranOn = r.nextString();
                    case "result" -> result = StepResultJson.read(r);
                    default -> throw malformed(r, "unknown key '" + key + "' in a step; allowed: id, experiment, description, seconds,"
                            + " forwardPasses, resumed, ranOn, fingerprint, settings, result");
                }
            }
            r.endObject();
            if (text.size() != 5 || seconds == null || forwardPasses == null || resumed == null || result == null) {
                throw malformed(r, "a step needs id, experiment, description, seconds, forwardPasses, resumed, fingerprint,"
                        + " settings and result");
            }
            steps.add(new StepRecord(text.get("id"), text.get("experiment"), text.get("description"), text.get("settings"),
                    text.get("fingerprint"), seconds, forwardPasses, resumed, result, ranOn));
        }
        r.endArray();
        return steps;
    }

    private static void writeStringMap(JsonWriter w, Map<String, String> map) throws IOException {
        w.beginObject();
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            w.name(e.getKey()).value(e.getValue());
        }
        w.endObject();
    }

    private static Map<String, String> readStringMap(JsonReader r) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
            map.put(r.nextName(), r.nextString());
        }
        r.endObject();
        return map;
    }
}
