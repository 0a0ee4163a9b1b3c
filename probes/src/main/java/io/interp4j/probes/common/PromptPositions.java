package io.interp4j.probes.common;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Positions;

/** Resolves configured positions against one prompt, strictly: a named index the prompt lacks is an error. */
public final class PromptPositions {
    private PromptPositions() {}

    /**
     * Returns the rows of a prompt that positions select.
     *
     * @param positions the selection
     * @param length the prompt's token count
     * @param prompt the prompt's index in its set, for the message
     * @param set the set's name, for the message
     * @param path the config path of the selection, for the message
     * @return row indices, ascending and distinct, never empty
     * @throws Interp4jException with {@link ErrorCode#INVALID_ARGUMENT} when an index lies outside the prompt
     */
    public static int[] rows(Positions positions, int length, int prompt, String set, String path) {
        if (!positions.all()) {
            for (int index : positions.indices()) {
                if (index >= length || index < -length) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, path + ": position " + index + " is outside prompt "
                            + prompt + " of set '" + set + "', which has " + length + " tokens; allowed: " + -length + ".." + (length - 1));
                }
            }
        }
        return positions.rows(0, length);
    }

    /**
     * Returns whether positions select exactly one row of every prompt.
     *
     * @param positions the selection
     * @return true for {@code first}, {@code last} or a single index
     */
    public static boolean single(Positions positions) {
        return !positions.all() && positions.indices().length == 1;
    }
}
