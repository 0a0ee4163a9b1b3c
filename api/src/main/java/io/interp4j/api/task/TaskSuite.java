package io.interp4j.api.task;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named list of tasks, in file order.
 *
 * @param name the suite's name
 * @param tasks the tasks
 * @since 0.1
 */
@Stable
public record TaskSuite(String name, List<Task> tasks) {
    /** Checks that ids are unique and copies the list. */
    public TaskSuite {
        requireNonNull(name, "name is null");
        tasks = List.copyOf(requireNonNull(tasks, "tasks is null"));
        Set<String> ids = new HashSet<>();
        for (Task t : tasks) {
            if (!ids.add(t.id())) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "suite '" + name + "': task id '" + t.id() + "' appears twice");
            }
        }
    }

    /**
     * Returns the tasks grouped by family, families in order of first appearance.
     *
     * @return family to tasks
     */
    public Map<String, List<Task>> byFamily() {
        Map<String, List<Task>> groups = new LinkedHashMap<>();
        for (Task t : tasks) {
            groups.computeIfAbsent(t.family(), f -> new java.util.ArrayList<>()).add(t);
        }
        groups.replaceAll((f, l) -> List.copyOf(l));
        return groups;
    }

    /**
     * Returns the tasks of one split.
     *
     * @param split e.g. {@code test}; {@code all} keeps every task
     * @return a suite with those tasks
     */
    public TaskSuite split(String split) {
        if (split.equals("all")) {
            return this;
        }
        return new TaskSuite(name + "[" + split + "]", tasks.stream().filter(t -> t.split().equals(split)).toList());
    }
}
