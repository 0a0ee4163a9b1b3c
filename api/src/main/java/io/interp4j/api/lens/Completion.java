package io.interp4j.api.lens;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Experimental;
import java.util.List;

/**
 * What {@link Session#generate} produced, one entry per prompt.
 *
 * @param prompts the prompts' token ids
 * @param generated the new token ids of each row, the eos token included where a row stopped there
 * @param texts the new tokens decoded, one per row (empty strings when the model has no tokenizer)
 * @param kvCache whether the keys and values were reused; {@link Session#generate} reuses them for
 *     prompts of any lengths since 0.4 (before, prompts of different lengths recomputed the whole
 *     left-padded batch every step)
 * @since 0.3
 */
@Experimental
public record Completion(List<int[]> prompts, List<int[]> generated, List<String> texts, boolean kvCache) {
    /** Copies the lists and arrays. */
    public Completion {
        prompts = requireNonNull(prompts, "prompts is null").stream().map(int[]::clone).toList();
        generated = requireNonNull(generated, "generated is null").stream().map(int[]::clone).toList();
        texts = List.copyOf(requireNonNull(texts, "texts is null"));
    }

    @Override
    public List<int[]> prompts() {
        return prompts.stream().map(int[]::clone).toList();
    }

    @Override
    public List<int[]> generated() {
        return generated.stream().map(int[]::clone).toList();
    }

    /**
     * Returns one row's new tokens.
     *
     * @param row the row
     * @return its new token ids
     */
    public int[] tokens(int row) {
        return generated.get(row).clone();
    }

    /**
     * Returns one row's new text.
     *
     * @param row the row
     * @return the decoded new tokens
     */
    public String text(int row) {
        return texts.get(row);
    }
}
