package io.interp4j.app.study;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.util.List;

/** A study failed validation: every problem, each at its config path. */
final class StudyException extends Interp4jException {
    private static final long serialVersionUID = 1L;

    StudyException(List<Problem> problems) {
        super(problems);
    }
}
