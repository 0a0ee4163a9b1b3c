package io.interp4j.api.task;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.Map;
import java.util.Optional;

/**
 * One prompt of a task suite.
 *
 * @param id unique within the suite
 * @param family the task family (e.g. {@code factual_recall})
 * @param prompt the clean prompt, raw text (no BOS, no template)
 * @param target the expected continuation (its first token is what target metrics read)
 * @param corruptPrompt a contrasting prompt for patching, if any
 * @param wrongTarget a contrasting continuation for logit differences, if any
 * @param split e.g. {@code test} or {@code train}
 * @param metadata free-form strings
 * @since 0.1
 */
@Stable
public record Task(
        String id,
        String family,
        String prompt,
        String target,
        Optional<String> corruptPrompt,
        Optional<String> wrongTarget,
        String split,
        Map<String, String> metadata) {
    /** Checks the fields. */
    public Task {
        requireNonNull(id, "id is null");
        requireNonNull(family, "family is null");
        requireNonNull(prompt, "prompt is null");
        requireNonNull(target, "target is null");
        requireNonNull(corruptPrompt, "corruptPrompt is null");
        requireNonNull(wrongTarget, "wrongTarget is null");
        requireNonNull(split, "split is null");
        metadata = Map.copyOf(requireNonNull(metadata, "metadata is null"));
        if (id.isBlank() || family.isBlank() || prompt.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "task '" + id + "': id, family and prompt must not be empty");
        }
    }
}
