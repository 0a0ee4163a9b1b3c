package io.interp4j.api.task;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import io.interp4j.api.checkpoint.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads task suites. Schema, one object per task (a JSON array of them in {@code .json} files, one
 * per line in {@code .jsonl} files): {@code id} (string, unique), {@code family} (string), {@code
 * prompt} (string), {@code target} (string), optional {@code corrupt_prompt} (string), {@code
 * wrong_target} (string), {@code split} (string, default {@code test}) and {@code metadata} (object of
 * strings). Unknown fields are errors naming the file, line and field.
 *
 * @since 0.1
 */
@Internal
public final class TaskSuites {
    private static final Set<String> FIELDS = Set.of("id", "family", "prompt", "target", "corrupt_prompt", "wrong_target", "split", "metadata");
    private static final List<String> BUILTIN = List.of("families-mini");
    /** The largest suite file read, in bytes. */
    private static final long MAX_FILE_BYTES = 256L << 20;

    private TaskSuites() {}

    /**
     * Returns the names of the built-in suites.
     *
     * @return the names
     */
    public static List<String> builtinNames() {
        return BUILTIN;
    }

    /**
     * Returns a built-in suite.
     *
     * @param name the suite's name
     * @return the suite
     */
    public static TaskSuite builtin(String name) {
        if (!BUILTIN.contains(name)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown built-in suite '" + name + "'; built-in suites: " + BUILTIN);
        }
        String resource = "builtin/" + name + ".jsonl";
        try (InputStream in = TaskSuites.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new Interp4jException(ErrorCode.IO_ERROR, "built-in suite '" + name + "' is missing from the api jar");
            }
            return parse(name, "builtin:" + name, new String(in.readAllBytes(), StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot read built-in suite '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * Reads a suite file ({@code .json} or {@code .jsonl}).
     *
     * @param name the suite's name
     * @param file the file
     * @return the suite
     */
    public static TaskSuite read(String name, Path file) {
        String fileName = file.getFileName().toString();
        if (!fileName.endsWith(".json") && !fileName.endsWith(".jsonl")) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, file + ": a task suite is a .json or .jsonl file");
        }
        String text = StrictJson.readText(file, MAX_FILE_BYTES, "a task suite file", ErrorCode.INVALID_ARGUMENT);
        return parse(name, file.toString(), text, fileName.endsWith(".jsonl"));
    }

    /**
     * Writes a suite as a {@code .jsonl} file that {@link #read(String, Path)} reads back equal: one task
     * per line, fields in schema order, {@code corrupt_prompt} and {@code wrong_target} only when
     * present, {@code metadata} only when not empty and with its keys sorted, so equal suites give
     * byte-identical files. Parent folders are created.
     *
     * @param suite the suite
     * @param file the file to write (replaced if it exists)
     * @since 0.1
     */
    public static void write(TaskSuite suite, Path file) {
        StringBuilder out = new StringBuilder();
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        for (Task t : suite.tasks()) {
            JsonObject o = new JsonObject();
            o.addProperty("id", t.id());
            o.addProperty("family", t.family());
            o.addProperty("prompt", t.prompt());
            o.addProperty("target", t.target());
            t.corruptPrompt().ifPresent(c -> o.addProperty("corrupt_prompt", c));
            t.wrongTarget().ifPresent(w -> o.addProperty("wrong_target", w));
            o.addProperty("split", t.split());
            if (!t.metadata().isEmpty()) {
                JsonObject metadata = new JsonObject();
                new TreeMap<>(t.metadata()).forEach(metadata::addProperty);
                o.add("metadata", metadata);
            }
            out.append(gson.toJson(o)).append('\n');
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot write the task suite: " + e.getMessage(), e);
        }
    }

    private static TaskSuite parse(String name, String where, String text, boolean lines) {
        List<Task> tasks = new ArrayList<>();
        if (lines) {
            String[] rows = text.split("\n", -1);
            for (int i = 0; i < rows.length; i++) {
                if (!rows[i].isBlank()) {
                    tasks.add(task(where + " line " + (i + 1), parseJson(where + " line " + (i + 1), rows[i])));
                }
            }
        } else {
            JsonElement root = parseJson(where, text);
            if (!root.isJsonArray()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": a .json suite is an array of task objects");
            }
            for (int i = 0; i < root.getAsJsonArray().size(); i++) {
                tasks.add(task(where + " item " + i, root.getAsJsonArray().get(i)));
            }
        }
        if (tasks.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": the suite has no tasks");
        }
        try {
            return new TaskSuite(name, tasks);
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), where + ": " + e.getMessage(), e);
        }
    }

    private static JsonElement parseJson(String where, String text) {
        return StrictJson.in(where, ErrorCode.INVALID_ARGUMENT).parse(text);
    }

    private static Task task(String where, JsonElement element) {
        if (!element.isJsonObject()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": a task is a JSON object");
        }
        JsonObject o = element.getAsJsonObject();
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": unknown field '" + key + "'; allowed: "
                        + new java.util.TreeSet<>(FIELDS));
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (o.has("metadata")) {
            if (!o.get("metadata").isJsonObject()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": 'metadata' must be an object of strings");
            }
            StrictJson json = StrictJson.in(where, ErrorCode.INVALID_ARGUMENT);
            o.getAsJsonObject("metadata").entrySet().forEach(e -> metadata.put(e.getKey(), json.string(e.getValue(), "metadata." + e.getKey())));
        }
        return new Task(
                required(o, "id", where),
                required(o, "family", where),
                required(o, "prompt", where),
                required(o, "target", where),
                optional(o, "corrupt_prompt", where),
                optional(o, "wrong_target", where),
                optional(o, "split", where).orElse("test"),
                metadata);
    }

    private static String required(JsonObject o, String key, String where) {
        return optional(o, key, where).orElseThrow(() ->
                new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": missing required field '" + key + "'"));
    }

    private static Optional<String> optional(JsonObject o, String key, String where) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return Optional.empty();
        }
        JsonElement value = o.get(key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": field '" + key + "' must be a string, found " + value);
        }
        return Optional.of(value.getAsString());
    }
}
