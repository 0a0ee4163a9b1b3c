package io.interp4j.api.tokenizer;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The special tokens of a Hugging Face {@code tokenizer.json}: its {@code added_tokens} marked {@code
 * "special": true} (e.g. {@code <|endoftext|>}). A raw prompt that contains one of them as text encodes
 * to that token, as Hugging Face's tokenizers do. The file is read as a stream and only until {@code
 * added_tokens} has been read, which Hugging Face writes before the vocabulary, so even a 150k-token
 * file costs a few kilobytes.
 *
 * @param file the tokenizer file
 * @param byId token id to its text, ascending by id
 * @since 0.3
 */
@Experimental
public record SpecialTokens(Path file, Map<Integer, String> byId) {
    /** Copies the map. */
    public SpecialTokens {
        byId = Collections.unmodifiableMap(new TreeMap<>(byId));
    }

    /**
     * Reads the special tokens of a {@code tokenizer.json}.
     *
     * @param file the file
     * @return the special tokens (none when the file has no {@code added_tokens})
     * @throws Interp4jException naming the file when it is missing or not a tokenizer JSON object
     */
    public static SpecialTokens read(Path file) {
        Map<Integer, String> found = new TreeMap<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8); JsonReader json = new JsonReader(in)) {
            json.beginObject();
            while (json.hasNext()) {
                if (!json.nextName().equals("added_tokens") || json.peek() != JsonToken.BEGIN_ARRAY) {
                    json.skipValue();
                    continue;
                }
                json.beginArray();
                while (json.hasNext()) {
                    readEntry(json, found);
                }
                return new SpecialTokens(file, found);
            }
            return new SpecialTokens(file, found);
        } catch (NoSuchFileException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": not found");
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": not a tokenizer.json object with an added_tokens list: "
                    + e.getMessage(), e);
        }
    }

    private static void readEntry(JsonReader json, Map<Integer, String> found) throws IOException {
        Integer id = null;
        String content = null;
        boolean special = false;
        json.beginObject();
        while (json.hasNext()) {
            switch (json.nextName()) {
                case "id" -> id = json.nextInt();
                case "content" -> content = json.nextString();
                case "special" -> special = json.nextBoolean();
                default -> json.skipValue();
            }
        }
        json.endObject();
        if (special && id != null && content != null) {
            found.put(id, content);
        }
    }

    /**
     * Returns whether an id is a special token.
     *
     * @param id the token id
     * @return true if special
     */
    public boolean contains(int id) {
        return byId.containsKey(id);
    }

    /**
     * Returns the id of a special token by its text.
     *
     * @param content e.g. {@code <|endoftext|>}
     * @return the id, or empty when the text is not a special token
     */
    public OptionalInt idOf(String content) {
        return byId.entrySet().stream().filter(e -> e.getValue().equals(content)).mapToInt(Map.Entry::getKey).findFirst();
    }

    /**
     * Describes the special tokens for a message, at most a few.
     *
     * @return e.g. {@code <|endoftext|> = 151643, <|im_start|> = 151644}
     */
    public String describe() {
        if (byId.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        byId.entrySet().stream().limit(6).forEach(e -> text.append(text.length() == 0 ? "" : ", ").append(e.getValue()).append(" = ").append(e.getKey()));
        if (byId.size() > 6) {
            text.append(", ... (").append(byId.size()).append(" in all)");
        }
        return text.toString();
    }
}
