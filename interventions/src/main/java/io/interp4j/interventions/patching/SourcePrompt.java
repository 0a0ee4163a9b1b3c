package io.interp4j.interventions.patching;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.interventions.common.Plans;
import io.interp4j.api.plugin.SettingsReader;
import java.util.List;

/**
 * The prompt a source activation is read from, for the target prompt being resolved: settings {@code
 * source-prompts} (a set name, or {@code target} for the target's own set) and {@code source-index}
 * ({@code same}, {@code shift} or an index).
 *
 * @param set the set name, or {@link #TARGET_SET}
 * @param index {@code "same"}, {@code "shift"} or an {@link Integer}
 * @param setPath the config path of {@code source-prompts}, for messages
 * @param indexPath the config path of {@code source-index}, for messages
 */
record SourcePrompt(String set, Object index, String setPath, String indexPath) {
    /** The reserved set name meaning the set the target prompt comes from. */
    static final String TARGET_SET = "target";
    static final String SAME = "same";
    static final String SHIFT = "shift";

    /** A chosen source prompt. */
    record Chosen(int[] tokens, String label) {}

    /**
     * Reads {@code source-prompts} and {@code source-index}.
     *
     * @param settings the plugin's settings; problems are recorded there
     * @return the source, or null when a problem was recorded
     */
    static SourcePrompt read(SettingsReader settings) {
        String set = settings.text("source-prompts");
        Object index = settings.choiceOrInteger("source-index", List.of(SAME, SHIFT), 0);
        return set == null || index == null
                ? null
                : new SourcePrompt(set, index, settings.path("source-prompts"), settings.path("source-index"));
    }

    /**
     * Picks the source prompt for the context's target.
     *
     * @param id the plugin id, for messages
     * @param context the context
     * @return the prompt's tokens and a label such as {@code prompt 'clean'[2]}
     */
    Chosen choose(String id, InterventionContext context) {
        InterventionContext.Target target = context.target();
        if (SAME.equals(index) && set.equals(TARGET_SET)) {
            return new Chosen(target.tokens(), "the target prompt itself");
        }
        String from = set.equals(TARGET_SET) || SHIFT.equals(index) ? target.set() : set;
        List<int[]> prompts;
        try {
            prompts = context.prompts(from);
        } catch (Interp4jException e) {
            throw Plans.rethrow(id + ": " + (SHIFT.equals(index) ? indexPath + " = shift reads the target's own set" : setPath), e);
        }
        int i;
        if (SHIFT.equals(index)) {
            if (prompts.size() < 2) {
                throw invalid(id, indexPath + " = shift needs at least 2 prompts in the target's set '" + from + "', found "
                        + prompts.size());
            }
            i = (target.index() + 1) % prompts.size();
        } else {
            i = SAME.equals(index) ? target.index() : (Integer) index;
            if (i < 0 || i >= prompts.size()) {
                throw invalid(id, indexPath + " = " + index + " picks prompt " + i + " of set '" + from + "', which has prompts 0.."
                        + (prompts.size() - 1));
            }
        }
        return new Chosen(prompts.get(i).clone(), "prompt '" + from + "'[" + i + "]");
    }

    /**
     * Describes the choice for a plan's description.
     *
     * @return e.g. {@code the same-index prompt of set 'clean'}
     */
    String describe() {
        if (SHIFT.equals(index)) {
            return "the next prompt of the target's own set";
        }
        String of = set.equals(TARGET_SET) ? "the target's own set" : "set '" + set + "'";
        return SAME.equals(index) ? (set.equals(TARGET_SET) ? "the target prompt itself" : "the same-index prompt of " + of)
                : "prompt " + index + " of " + of;
    }

    private static Interp4jException invalid(String id, String message) {
        return new Interp4jException(ErrorCode.INVALID_ARGUMENT, id + ": " + message);
    }
}
