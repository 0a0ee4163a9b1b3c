package io.interp4j.experiments.atlas;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.tokenizer.Tokenizer;

/**
 * How the atlas rows turn a suite's prompt into token ids: raw text (no BOS, no chat template), never
 * empty. The rows' forwards themselves are forward plans ({@link io.interp4j.api.plan.ForwardPlan})
 * run by the study's executor.
 */
public final class PromptEncoding {
    private PromptEncoding() {}

    /**
     * Encodes a prompt as raw text.
     *
     * @param tokenizer the model's tokenizer
     * @param text the prompt
     * @param where names the prompt in the error, e.g. {@code study.steps[2].settings: suite 'families' task 'cap-fr'}
     * @return the token ids, not empty
     */
    public static int[] encode(Tokenizer tokenizer, String text, String where) {
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, where + ": the prompt encodes to no tokens");
        }
        return ids;
    }
}
