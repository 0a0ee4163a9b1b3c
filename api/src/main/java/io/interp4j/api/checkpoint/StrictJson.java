package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * RFC 8259 JSON read strictly, for every JSON file interp4j loads from a checkpoint or adapter
 * directory: UTF-8 that decodes without error, no comments, unquoted or single-quoted names, {@code
 * NaN} literals, trailing text or duplicate names, at most {@value #MAX_DEPTH} levels of nesting; and
 * typed reads of one key that never coerce (an integer must be written as one and fit its range, a
 * {@code [64]} is not 64, a {@code "yes"} is not a boolean, {@code 1e400} is not a finite number).
 * Every error is an {@link Interp4jException} with the caller's code, naming the file and the key.
 *
 * @since 0.1
 */
@Internal
public final class StrictJson {
    /** The deepest nesting accepted; deeper text is refused before the stack can overflow. */
    public static final int MAX_DEPTH = 64;

    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");

    private final String where;
    private final ErrorCode code;

    private StrictJson(String where, ErrorCode code) {
        this.where = where;
        this.code = code;
    }

    /**
     * Returns a reader whose errors start with {@code where} and carry {@code code}.
     *
     * @param where the file (and entry) the JSON comes from, e.g. {@code models/x/config.json}
     * @param code the error code of every problem
     * @return the reader
     */
    public static StrictJson in(String where, ErrorCode code) {
        return new StrictJson(requireNonNull(where, "where is null"), requireNonNull(code, "code is null"));
    }

    /**
     * Reads and parses a JSON file, which must be a regular file (a FIFO or device named like a
     * config file would block or never end) of at most {@code maxBytes}.
     *
     * @param file the file; errors name it
     * @param maxBytes the largest size read
     * @param missing what a missing file means, for the message (e.g. {@code a model directory needs config.json})
     * @param code the error code of every problem
     * @return a reader naming the file, and the parsed value
     */
    public static Parsed readFile(Path file, long maxBytes, String missing, ErrorCode code) {
        StrictJson json = in(file.toString(), code);
        return new Parsed(json, json.parse(readText(file, maxBytes, missing, code)));
    }

    /**
     * Reads a text file as {@link #readFile} does (a regular file of at most {@code maxBytes}, UTF-8
     * that decodes without error), for formats of several JSON values such as JSON Lines.
     *
     * @param file the file; errors name it
     * @param maxBytes the largest size read
     * @param missing what a missing file means, for the message
     * @param code the error code of every problem
     * @return the text
     */
    public static String readText(Path file, long maxBytes, String missing, ErrorCode code) {
        StrictJson json = in(file.toString(), code);
        byte[] bytes;
        try {
            if (!Files.exists(file)) {
                throw json.error("file not found (" + missing + ")");
            }
            if (!Files.isRegularFile(file)) {
                throw json.error("not a regular file (a FIFO, device or directory?); only a regular file is read");
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw json.error("is " + size + " bytes; at most " + maxBytes + " are read");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, file + ": cannot read: " + e.getMessage(), e);
        }
        return json.decode(ByteBuffer.wrap(bytes));
    }

    /**
     * A parsed file and the reader that names it in errors.
     *
     * @param json the reader
     * @param value the parsed value
     * @since 0.1
     */
    public record Parsed(StrictJson json, JsonElement value) {}

    /**
     * Decodes UTF-8 strictly and parses one JSON value.
     *
     * @param utf8 the bytes
     * @return the value; numbers keep their literal text
     */
    public JsonElement parse(ByteBuffer utf8) {
        return parse(decode(utf8));
    }

    private String decode(ByteBuffer utf8) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8)
                    .toString();
        } catch (CharacterCodingException e) {
            throw error("is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    /**
     * Parses one JSON value from text.
     *
     * @param text the text
     * @return the value; numbers keep their literal text
     */
    public JsonElement parse(String text) {
        if (text.startsWith("\uFEFF")) {
            throw error("starts with a byte order mark, which JSON does not allow");
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement value = read(reader, 0);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw error("has text after the JSON value at " + location(reader));
            }
            return value;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson's MalformedJsonException is an IOException; its message names line and column
            throw error("is not valid JSON: " + withoutGsonAdvice(e.getMessage())
                    + "; allowed: strict JSON (RFC 8259: quoted keys, no comments, no trailing commas, no NaN)");
        }
    }

    /**
     * Gson's message without its advice to programmers (a lenient mode to switch on, a troubleshooting
     * link), which a user of a file cannot act on and which would invite the leniency refused here.
     */
    private static String withoutGsonAdvice(String message) {
        String text = String.valueOf(message);
        int see = text.indexOf("\nSee https://");
        if (see >= 0) {
            text = text.substring(0, see);
        }
        return text.replaceFirst("Use JsonReader\\.set(Strictness\\(Strictness\\.LENIENT\\)|Lenient\\(true\\)) to accept malformed JSON",
                "malformed JSON");
    }

    private JsonElement read(JsonReader reader, int depth) throws IOException {
        JsonToken token = reader.peek();
        if ((token == JsonToken.BEGIN_ARRAY || token == JsonToken.BEGIN_OBJECT) && depth >= MAX_DEPTH) {
            throw error("nests deeper than " + MAX_DEPTH + " levels at " + location(reader));
        }
        switch (token) {
            case BEGIN_OBJECT -> {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw error("has the name '" + name + "' twice in one object (" + location(reader) + ")");
                    }
                    object.add(name, read(reader, depth + 1));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY -> {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(read(reader, depth + 1));
                }
                reader.endArray();
                return array;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new Literal(reader.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw error("has an unexpected " + token + " at " + location(reader));
        }
    }

    /** A number kept as its literal text, so that integer reads see exactly what was written. */
    private static final class Literal extends Number {
        private static final long serialVersionUID = 1L;
        private final String text;

        Literal(String text) {
            this.text = text;
        }

        @Override
        public int intValue() {
            return (int) doubleValue();
        }

        @Override
        public long longValue() {
            return (long) doubleValue();
        }

        @Override
        public float floatValue() {
            return (float) doubleValue();
        }

        @Override
        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static String location(JsonReader reader) {
        String at = reader.toString();
        int i = at.indexOf(" at ");
        return i >= 0 ? at.substring(i + 4) : at;
    }

    /**
     * Requires an object.
     *
     * @param value a parsed value
     * @param what what it is, for the message (e.g. {@code the header})
     * @return the object
     */
    public JsonObject object(JsonElement value, String what) {
        if (!value.isJsonObject()) {
            throw error(what + " must be a JSON object, found " + describe(value));
        }
        return value.getAsJsonObject();
    }

    /**
     * Reads an integer written as one (no fraction, no exponent), in {@code [min, max]}.
     *
     * @param value the value
     * @param key the key or path it was read from
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the integer
     */
    public long integer(JsonElement value, String key, long min, long max) {
        if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber() && INTEGER.matcher(value.getAsString()).matches())) {
            throw error("'" + key + "' must be an integer in " + min + ".." + max + ", found " + describe(value));
        }
        String text = value.getAsString();
        if (text.length() > 20) { // beyond any long; BigInteger of a huge literal would be slow
            throw error("'" + key + "' is " + text.substring(0, 20) + "… (" + text.length() + " digits); allowed " + min + ".." + max);
        }
        BigInteger n = new BigInteger(text);
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw error("'" + key + "' is " + n + "; allowed " + min + ".." + max);
        }
        return n.longValueExact();
    }

    /**
     * Reads a required integer key of an object.
     *
     * @param object the object
     * @param key the key
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the integer
     */
    public int requiredInt(JsonObject object, String key, int min, int max) {
        return (int) integer(required(object, key), key, min, max);
    }

    /**
     * Reads an optional integer key (absent or {@code null} gives empty).
     *
     * @param object the object
     * @param key the key
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the integer, or empty
     */
    public Optional<Integer> optionalInt(JsonObject object, String key, int min, int max) {
        return present(object, key).map(v -> (int) integer(v, key, min, max));
    }

    /**
     * Reads a finite number (an integer or a decimal literal whose value is finite as a double).
     *
     * @param value the value
     * @param key the key it was read from
     * @return the number
     */
    public double finite(JsonElement value, String key) {
        if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber())) {
            throw error("'" + key + "' must be a number, found " + describe(value));
        }
        double d = Double.parseDouble(value.getAsString()); // JSON's number grammar is a subset of Java's
        if (!Double.isFinite(d)) {
            throw error("'" + key + "' is " + value.getAsString() + ", which is not finite as a double");
        }
        return d;
    }

    /**
     * Reads an optional finite number key.
     *
     * @param object the object
     * @param key the key
     * @return the number, or empty when absent or {@code null}
     */
    public Optional<Double> optionalFinite(JsonObject object, String key) {
        return present(object, key).map(v -> finite(v, key));
    }

    /**
     * Reads an optional boolean key ({@code true} or {@code false} literally).
     *
     * @param object the object
     * @param key the key
     * @return the boolean, or empty when absent or {@code null}
     */
    public Optional<Boolean> optionalBoolean(JsonObject object, String key) {
        return present(object, key).map(v -> {
            if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean())) {
                throw error("'" + key + "' must be true or false, found " + describe(v));
            }
            return v.getAsBoolean();
        });
    }

    /**
     * Reads a string.
     *
     * @param value the value
     * @param key the key it was read from
     * @return the string
     */
    public String string(JsonElement value, String key) {
        if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isString())) {
            throw error("'" + key + "' must be a string, found " + describe(value));
        }
        return value.getAsString();
    }

    /**
     * Reads an optional string key.
     *
     * @param object the object
     * @param key the key
     * @return the string, or empty when absent or {@code null}
     */
    public Optional<String> optionalString(JsonObject object, String key) {
        return present(object, key).map(v -> string(v, key));
    }

    /**
     * Requires an array.
     *
     * @param value the value
     * @param key the key it was read from
     * @return the array
     */
    public JsonArray array(JsonElement value, String key) {
        if (!value.isJsonArray()) {
            throw error("'" + key + "' must be an array, found " + describe(value));
        }
        return value.getAsJsonArray();
    }

    /**
     * Returns a key's value unless it is absent or {@code null}.
     *
     * @param object the object
     * @param key the key
     * @return the value, or empty
     */
    public Optional<JsonElement> present(JsonObject object, String key) {
        JsonElement value = object.get(key);
        return value == null || value.isJsonNull() ? Optional.empty() : Optional.of(value);
    }

    /**
     * Returns a key's value, which must be present and not {@code null}.
     *
     * @param object the object
     * @param key the key
     * @return the value
     */
    public JsonElement required(JsonObject object, String key) {
        return present(object, key).orElseThrow(() -> error("missing required key '" + key + "'"));
    }

    /**
     * Makes an error naming the source.
     *
     * @param message what was found and what is allowed
     * @return the exception, to throw
     */
    public Interp4jException error(String message) {
        return new Interp4jException(code, where + ": " + message);
    }

    /**
     * Describes a value for an error message: its JSON type and text, cut at 60 characters.
     *
     * @param value the value
     * @return e.g. {@code the array [64]}
     */
    public static String describe(JsonElement value) {
        String kind = value.isJsonObject() ? "an object" : value.isJsonArray() ? "an array" : value.isJsonNull() ? "null"
                : value.getAsJsonPrimitive().isString() ? "a string" : value.getAsJsonPrimitive().isBoolean() ? "a boolean" : "a number";
        String text = value.toString();
        return value.isJsonNull() ? kind : kind + " " + (text.length() > 60 ? text.substring(0, 60) + "…" : text);
    }
}
