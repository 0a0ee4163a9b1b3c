package io.interp4j.experiments.atlas;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.List;

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
     * @param path the config path the problem is reported at, e.g. {@code study.steps[2].settings}
     * @param what names the prompt in the problem, e.g. {@code suite 'families' task 'cap-fr'}; empty when the path names it
     * @return the token ids, not empty
     */
    public static int[] encode(Tokenizer tokenizer, String text, String path, String what) {
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) {
            throw new Interp4jException(List.of(new Problem(path, (what.isEmpty() ? "" : what + ": ") + "the prompt encodes to no tokens")));
        }
        return ids;
    }
}
