package io.interp4j.api.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, run by the native tokenizers library. Truncation and padding
 * are off (the binding would otherwise cut every input at 512 tokens) and no special tokens are added.
 *
 * @since 0.1
 */
@Internal
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private final HuggingFaceTokenizer delegate;
    private final Path file;

    private HfTokenizer(HuggingFaceTokenizer delegate, Path file) {
        this.delegate = delegate;
        this.file = file;
    }

    /**
     * Loads a {@code tokenizer.json}.
     *
     * @param file the file
     * @return the tokenizer
     */
    public static HfTokenizer load(Path file) {
        Map<String, String> options = Map.of(
                "truncation", "false",
                "padding", "false",
                "addSpecialTokens", "false",
                "modelMaxLength", String.valueOf(Integer.MAX_VALUE));
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(file, options), file);
        } catch (IOException | RuntimeException e) {
            throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text) {
        Encoding encoding = delegate.encode(text, false, false);
        long[] ids = encoding.getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return delegate.decode(wide, false);
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + "]";
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        delegate.close();
    }
}
