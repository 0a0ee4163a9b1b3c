package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.util.List;

/** A study failed validation: every problem, each at its config path. */
final class StudyException extends Interp4jException {
    private static final long serialVersionUID = 1L;

    private final List<Problem> studyProblems;

    StudyException(List<Problem> problems) {
        super(ErrorCode.INVALID_ARGUMENT, problems.size() + " problem(s) in the study:\n  "
                + String.join("\n  ", problems.stream().map(Problem::toString).toList()));
        this.studyProblems = List.copyOf(problems);
    }

    @Override
    public List<Problem> problems() {
        return studyProblems;
    }
}
