package io.interp4j.api.tokenizer;

import io.interp4j.api.Stable;

/**
 * Turns text into token ids and back. Raw text only: no special tokens are added, nothing is
 * truncated or padded.
 *
 * @since 0.1
 */
@Stable
public interface Tokenizer {
    /**
     * Encodes text.
     *
     * @param text the text
     * @return the token ids, in order
     */
    int[] encode(String text);

    /**
     * Decodes token ids.
     *
     * @param ids the token ids
     * @return the text
     */
    String decode(int[] ids);
}
