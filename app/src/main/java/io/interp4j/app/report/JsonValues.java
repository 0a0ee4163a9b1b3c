package io.interp4j.app.report;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;

/**
 * The value encoding shared by {@link StepResultJson} and {@link ResultsJson}, strict JSON throughout.
 *
 * <ul>
 *   <li>{@code null}, booleans and strings are written as themselves.
 *   <li>Integral numbers ({@code Byte}, {@code Short}, {@code Integer}, {@code Long}, {@code BigInteger},
 *       atomics) are written as integer literals and read back as {@code Long} (a literal beyond the
 *       {@code long} range reads back as the nearest {@code Double}).
 *   <li>Other numbers are written as their {@code double} value in Java's round-trip decimal form
 *       ({@code Double.toString}, which always has a {@code .} or an {@code E}) and read back as the very
 *       same {@code Double}; a {@code Float} is written as its shortest float decimal ({@code 0.1f} as
 *       {@code 0.1}) and reads back as the {@code Double} nearest that decimal.
 *   <li>Non-finite doubles, which strict JSON cannot hold, are written as the strings {@code "NaN"},
 *       {@code "Infinity"} and {@code "-Infinity"} (the spellings Python's {@code float()} and
 *       JavaScript's {@code Number()} accept) and read back as doubles.
 *   <li>A string whose text is exactly one of those three words is written as {@code {"text": "NaN"}} so
 *       that it cannot be mistaken for a number; it reads back as the string.
 * </ul>
 */
final class JsonValues {
    static final String NAN = "NaN";
    static final String POSITIVE_INFINITY = "Infinity";
    static final String NEGATIVE_INFINITY = "-Infinity";
    private static final String TEXT_KEY = "text";

    private JsonValues() {}

    static JsonWriter writer(Writer out, boolean indent) {
        JsonWriter writer = new JsonWriter(out);
        writer.setStrictness(Strictness.STRICT);
        writer.setHtmlSafe(false);
        writer.setSerializeNulls(true);
        if (indent) {
            writer.setIndent("  ");
        }
        return writer;
    }

    static JsonReader reader(Reader in) {
        JsonReader reader = new JsonReader(in);
        reader.setStrictness(Strictness.STRICT);
        return reader;
    }

    /** Writes one cell or summary value (null, boolean, string or number). */
    static void writeValue(JsonWriter w, Object value) throws IOException {
        if (value == null) {
            w.nullValue();
        } else if (value instanceof Boolean b) {
            w.value(b.booleanValue());
        } else if (value instanceof String s) {
            if (isNonFiniteWord(s)) {
                w.beginObject().name(TEXT_KEY).value(s).endObject();
            } else {
                w.value(s);
            }
        } else if (value instanceof Number n) {
            writeNumber(w, n);
        } else {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "cannot write a value of type " + value.getClass().getName()
                    + " as JSON; allowed: numbers, strings, booleans, null");
        }
    }

    static void writeNumber(JsonWriter w, Number n) throws IOException {
        if (Format.isIntegral(n)) {
            w.jsonValue(n.toString());
        } else if (n instanceof Float f && Float.isFinite(f)) {
            w.jsonValue(Float.toString(f));
        } else {
            writeDouble(w, n.doubleValue());
        }
    }

    static void writeDouble(JsonWriter w, double d) throws IOException {
        if (Double.isNaN(d)) {
            w.value(NAN);
        } else if (d == Double.POSITIVE_INFINITY) {
            w.value(POSITIVE_INFINITY);
        } else if (d == Double.NEGATIVE_INFINITY) {
            w.value(NEGATIVE_INFINITY);
        } else {
            w.jsonValue(Double.toString(d));
        }
    }

    /** Writes a row compactly, to be placed with {@link JsonWriter#jsonValue} so that a table has a row a line. */
    static String compactRow(Iterable<?> row) throws IOException {
        StringWriter out = new StringWriter();
        JsonWriter w = writer(out, false);
        w.beginArray();
        for (Object cell : row) {
            writeValue(w, cell);
        }
        w.endArray();
        w.flush();
        return out.toString();
    }

    /** Reads what {@link #writeValue} wrote. */
    static Object readValue(JsonReader r) throws IOException {
        JsonToken token = r.peek();
        switch (token) {
            case NULL -> {
                r.nextNull();
                return null;
            }
            case BOOLEAN -> {
                return r.nextBoolean();
            }
            case NUMBER -> {
                return parseNumber(r.nextString());
            }
            case STRING -> {
                String s = r.nextString();
                return switch (s) {
                    case NAN -> Double.NaN;
                    case POSITIVE_INFINITY -> Double.POSITIVE_INFINITY;
                    case NEGATIVE_INFINITY -> Double.NEGATIVE_INFINITY;
                    default -> s;
                };
            }
            case BEGIN_OBJECT -> {
                r.beginObject();
                String name = r.nextName();
                if (!TEXT_KEY.equals(name)) {
                    throw malformed(r, "a cell object must be {\"text\": ...}, found key '" + name + "'");
                }
                String s = r.nextString();
                r.endObject();
                return s;
            }
            default -> throw malformed(r, "expected a value (null, boolean, number or string), found " + token);
        }
    }

    /** Reads a double written by {@link #writeDouble}. */
    static double readDouble(JsonReader r) throws IOException {
        Object value = readValue(r);
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw malformed(r, "expected a number, found " + value);
    }

    static long readLong(JsonReader r) throws IOException {
        Object value = readValue(r);
        if (value instanceof Long n) {
            return n;
        }
        throw malformed(r, "expected an integer, found " + value);
    }

    static String readNullableString(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return null;
        }
        return r.nextString();
    }

    static void writeNullableString(JsonWriter w, String s) throws IOException {
        if (s == null) {
            w.nullValue();
        } else {
            w.value(s);
        }
    }

    static Interp4jException malformed(JsonReader r, String message) {
        return new Interp4jException(ErrorCode.INVALID_ARGUMENT, "malformed JSON at " + r.getPath() + ": " + message);
    }

    private static Number parseNumber(String literal) {
        if (literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException beyondLong) {
                return Double.parseDouble(literal);
            }
        }
        return Double.parseDouble(literal);
    }

    private static boolean isNonFiniteWord(String s) {
        return s.equals(NAN) || s.equals(POSITIVE_INFINITY) || s.equals(NEGATIVE_INFINITY);
    }
}
