package io.interp4j.api.tokenizer;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.ErrorCode;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.interp4j.api.Internal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GPT-2 style byte-level BPE tokenizer trained deterministically on a small built-in English and
 * code corpus, written as a Hugging Face {@code tokenizer.json}: ids 0–255 are the bytes, then the
 * learned merges, then {@value #END_OF_TEXT}. Every string encodes, since every byte is a token. As in
 * Qwen2's tokenizer, every digit is a token of its own: no merge involves a digit, so {@code "126"}
 * encodes as {@code 1}, {@code 2}, {@code 6}. And as in every real BPE vocabulary, each ASCII letter
 * after a space is one token: the first merges are {@code "Ġ" + letter} for a&ndash;z then A&ndash;Z,
 * so a word the corpus never saw still starts with a token of its own ({@code " Buba"} &rarr;
 * {@code " B"}, ...), never with a bare space that every such word shares.
 *
 * @since 0.1
 */
@Internal
public final class ByteLevelBpe {
    /** The end-of-text special token. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** The smallest vocabulary: 256 bytes and the end-of-text token. */
    public static final int MIN_VOCAB = 257;
    /** The largest vocabulary this trainer produces. */
    public static final int MAX_VOCAB = 257 + 512;

    /** GPT-2's pre-tokenization pattern. */
    private static final Pattern PRE_TOKENIZE = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static final String CORPUS = """
            The capital of France is Paris. The capital of Italy is Rome. The capital of Spain is Madrid.
            The capital of Germany is Berlin. The capital of Japan is Tokyo. The capital of Egypt is Cairo.
            Paris is a city in France. Rome is a city in Italy. The river runs through the city and the old town.
            18 * 7 = 126. 12 + 30 = 42. 100 - 58 = 42. 9 * 9 = 81. 256 / 16 = 16. The answer is 42.
            Return exactly valid JSON with keys name and age. Bob is 32.
            {"name": "Bob", "age": 32} {"name": "Alice", "age": 29} {"id": 7, "tags": ["a", "b"]}
            def add(a, b):
                return a + b
            for i in range(10):
                print(i)
            x = [1, 2, 3]
            print(len(x))
            # What prints?
            function(x, [{( ... )}]) if (x > 0) { return x; } else { return -x; }
            Complete the closing delimiters. Write exactly three sentences. Answer in one line.
            The model reads the prompt, the layers write to the residual stream, and the head attends to the token.
            I am not sure. It may be true, but I cannot verify it. Please answer yes or no.
            ABC ABC ABC ABC. XYZ XYZ XYZ. The the the. Hello, world! How are you today?
            """;

    private final List<String> merges;

    private ByteLevelBpe(List<String> merges) {
        this.merges = List.copyOf(merges);
    }

    /**
     * Trains merges until the vocabulary reaches {@code vocabSize} or no pair repeats.
     *
     * @param vocabSize the largest vocabulary wanted, between {@link #MIN_VOCAB} and {@link #MAX_VOCAB}
     * @return the tokenizer
     */
    public static ByteLevelBpe train(int vocabSize) {
        if (vocabSize < MIN_VOCAB || vocabSize > MAX_VOCAB) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "vocabSize must be in [" + MIN_VOCAB + ", " + MAX_VOCAB + "], found " + vocabSize);
        }
        String[] byteChars = byteToUnicode();
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        Matcher m = PRE_TOKENIZE.matcher(CORPUS);
        while (m.find()) {
            List<String> symbols = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                symbols.add(byteChars[b & 0xff]);
            }
            words.merge(symbols, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        String space = byteChars[' '];
        for (String letters : List.of("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
            for (char c : letters.toCharArray()) {
                if (256 + merges.size() + 1 < vocabSize) {
                    merges.add(space + " " + c);
                    words = mergeAll(words, space, String.valueOf(c));
                }
            }
        }
        while (256 + merges.size() + 1 < vocabSize) {
            Map<String, Integer> pairs = new HashMap<>();
            for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
                List<String> s = w.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (hasDigit(s.get(i)) || hasDigit(s.get(i + 1))) {
                        continue;
                    }
                    pairs.merge(s.get(i) + " " + s.get(i + 1), w.getValue(), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> p : pairs.entrySet()) {
                int c = p.getValue();
                if (c > bestCount || (c == bestCount && best != null && p.getKey().compareTo(best) < 0)) {
                    best = p.getKey();
                    bestCount = c;
                }
            }
            if (best == null) {
                break;
            }
            merges.add(best);
            String[] parts = best.split(" ", 2);
            words = mergeAll(words, parts[0], parts[1]);
        }
        return new ByteLevelBpe(merges);
    }

    private static Map<List<String>, Integer> mergeAll(Map<List<String>, Integer> words, String a, String b) {
        Map<List<String>, Integer> next = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
            next.merge(applyMerge(w.getKey(), a, b), w.getValue(), Integer::sum);
        }
        return next;
    }

    private static boolean hasDigit(String symbol) {
        return symbol.chars().anyMatch(c -> c >= '0' && c <= '9');
    }

    private static List<String> applyMerge(List<String> symbols, String a, String b) {
        List<String> out = new ArrayList<>(symbols.size());
        for (int i = 0; i < symbols.size(); i++) {
            if (i + 1 < symbols.size() && symbols.get(i).equals(a) && symbols.get(i + 1).equals(b)) {
                out.add(a + b);
                i++;
            } else {
                out.add(symbols.get(i));
            }
        }
        return out;
    }

    /**
     * Returns the id of {@value #END_OF_TEXT}.
     *
     * @return the last id of the vocabulary
     */
    public int endOfTextId() {
        return 256 + merges.size();
    }

    /**
     * Returns the vocabulary size, special token included.
     *
     * @return 257 + the number of merges
     */
    public int vocabSize() {
        return endOfTextId() + 1;
    }

    /**
     * Renders the Hugging Face {@code tokenizer.json}.
     *
     * @return the JSON text
     */
    public String toJson() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        JsonArray added = new JsonArray();
        JsonObject eot = new JsonObject();
        eot.addProperty("id", endOfTextId());
        eot.addProperty("content", END_OF_TEXT);
        eot.addProperty("single_word", false);
        eot.addProperty("lstrip", false);
        eot.addProperty("rstrip", false);
        eot.addProperty("normalized", false);
        eot.addProperty("special", true);
        added.add(eot);
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel(true));
        root.add("post_processor", byteLevel(false));
        root.add("decoder", byteLevel(true));
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        JsonObject vocab = new JsonObject();
        String[] byteChars = byteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(byteChars[b], b);
        }
        for (int i = 0; i < merges.size(); i++) {
            vocab.addProperty(merges.get(i).replace(" ", ""), 256 + i);
        }
        vocab.addProperty(END_OF_TEXT, endOfTextId());
        model.add("vocab", vocab);
        JsonArray mergeArray = new JsonArray();
        merges.forEach(mergeArray::add);
        model.add("merges", mergeArray);
        root.add("model", model);
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(root);
    }

    private static JsonObject byteLevel(boolean trimOffsets) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ByteLevel");
        o.addProperty("add_prefix_space", false);
        o.addProperty("trim_offsets", trimOffsets);
        o.addProperty("use_regex", true);
        return o;
    }

    /** GPT-2's reversible byte to printable-character map. */
    private static String[] byteToUnicode() {
        String[] map = new String[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = String.valueOf((char) (printable ? b : 256 + extra++));
        }
        return map;
    }
}
