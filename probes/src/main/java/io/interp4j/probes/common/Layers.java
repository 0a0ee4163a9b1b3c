package io.interp4j.probes.common;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.util.List;
import java.util.stream.IntStream;

/** Resolves a configured list of layer or head indices against a model. */
public final class Layers {
    private Layers() {}

    /**
     * Returns the selected indices, all of them for an empty selection.
     *
     * @param selected indices from the settings; empty means all
     * @param count how many the model has
     * @param what e.g. {@code layer}, for the message
     * @param path the config path of the selection
     * @return the indices
     * @throws Interp4jException with {@link ErrorCode#INVALID_ARGUMENT} naming the path when an index is out of range
     */
    public static List<Integer> resolve(List<Integer> selected, int count, String what, String path) {
        if (selected.isEmpty()) {
            return IntStream.range(0, count).boxed().toList();
        }
        for (int index : selected) {
            if (index < 0 || index >= count) {
                throw new Interp4jException(List.of(new Problem(path, what + " " + index + " is out of range; this model has " + what
                        + "s 0.." + (count - 1))));
            }
        }
        return selected;
    }
}
