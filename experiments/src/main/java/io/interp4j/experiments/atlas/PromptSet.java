package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * One model's view of a row's prompts: the model, its tokenizer, the tasks and
 * their encoded clean prompts, and the tasks grouped by family (families in order of first appearance),
 * which is how the atlas averages: family means, then their mean.
 *
 * @param name the study model's name
 * @param model the model
 * @param tokenizer its tokenizer
 * @param tasks the tasks, in suite order
 * @param tokens their clean prompts' token ids, in the same order
 * @param published the tasks the published protocol averages over, by family ({@link PublishedPrompts#select})
 */
public record PromptSet(String name, Model model, Tokenizer tokenizer, List<Task> tasks, List<int[]> tokens, int[][] published) {
    /** Copies the lists. */
    public PromptSet {
        requireNonNull(name, "name is null");
        requireNonNull(model, "model is null");
        requireNonNull(tokenizer, "tokenizer is null");
        tasks = List.copyOf(tasks);
        tokens = List.copyOf(tokens);
        requireNonNull(published, "published is null");
    }

    /**
     * Returns the task indices a protocol averages over, by family: the corrected protocol every task, the published
     * one its selection.
     *
     * @param protocol the protocol
     * @return {@code [family][member]}
     */
    public int[][] families(Protocol protocol) {
        return protocol == Protocol.PUBLISHED ? published.clone() : families();
    }

    /**
     * Returns the family names, in order of first appearance.
     *
     * @return the names
     */
    public List<String> familyNames() {
        return tasks.stream().map(Task::family).distinct().toList();
    }

    /**
     * Returns each family's task indices, families in order of first appearance.
     *
     * @return {@code [family][member]}
     */
    public int[][] families() {
        return Stats.families(tasks.stream().map(Task::family).toList());
    }

    /**
     * Returns the family of each group of task indices.
     *
     * @param families {@code [family][member]} task indices, as {@link #families(Protocol)} returns them
     * @return the family names, in the same order
     */
    public List<String> familyNames(int[][] families) {
        return Arrays.stream(families).map(members -> tasks.get(members[0]).family()).toList();
    }

    /**
     * Returns the task indices of groups of them, ascending.
     *
     * @param families {@code [family][member]} task indices
     * @return every index, ascending
     */
    public static int[] members(int[][] families) {
        return Arrays.stream(families).flatMapToInt(Arrays::stream).sorted().toArray();
    }

    /**
     * Returns each prompt's identity, its task id and clean prompt, in task order: two models' cells were
     * measured on the same prompts when these lists are equal ({@link AtlasRows.Sample}).
     *
     * @return the identities
     */
    public List<String> identities() {
        return identities(tasks);
    }

    /**
     * Returns each task's identity, its id and clean prompt, in order.
     *
     * @param tasks the tasks
     * @return the identities
     */
    public static List<String> identities(List<Task> tasks) {
        return tasks.stream().map(t -> t.id() + "\u0000" + t.prompt()).toList();
    }

    /**
     * Returns how many prompts there are.
     *
     * @return the count
     */
    public int size() {
        return tasks.size();
    }
}
