package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.util.List;

/** A study failed validation: every problem, each with its config path. */
final class StudyException extends Interp4jException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    StudyException(List<String> problems) {
        super(ErrorCode.INVALID_ARGUMENT, problems.size() + " problem(s) in the study:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    List<String> problems() {
        return problems;
    }
}
