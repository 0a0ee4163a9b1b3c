package io.interp4j.api.train;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;

/**
 * One training example: by default the loss counts only the answer's tokens (each predicted from
 * everything before it), never the prompt's and never padding ({@link TrainingLoss} may count more).
 *
 * @param prompt the prompt's token ids
 * @param answer the answer's token ids
 * @since 0.1
 */
@Stable
public record TrainingExample(int[] prompt, int[] answer) {
    /** Checks and copies the ids. */
    public TrainingExample {
        prompt = requireNonNull(prompt, "prompt is null").clone();
        answer = requireNonNull(answer, "answer is null").clone();
        if (prompt.length == 0 || answer.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a training example needs a non-empty prompt and answer");
        }
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public int[] answer() {
        return answer.clone();
    }

    /**
     * Returns prompt and answer as one sequence.
     *
     * @return the tokens
     */
    public int[] tokens() {
        int[] all = new int[prompt.length + answer.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(answer, 0, all, prompt.length, answer.length);
        return all;
    }
}
