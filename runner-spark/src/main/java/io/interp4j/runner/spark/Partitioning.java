package io.interp4j.runner.spark;

import io.interp4j.api.plan.ForwardPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits a plan into partitions for Spark along the planner's chunks ({@link
 * io.interp4j.planner.Planner#chunks}): a partition is a run of consecutive chunks, so the planner on an
 * executor runs the same batched forwards as the planner of a local study, and the readouts are the same
 * to the last bit. (Splitting a chunk would batch its prompts differently, which moves float32 results
 * by a few units in the last place.) Runs have about equal cost, the positions their requests compute.
 */
final class Partitioning {
    private Partitioning() {}

    /**
     * Returns the partitions' request indices.
     *
     * @param plan the plan
     * @param chunks the planner's chunks of the plan, in its order
     * @param partitions the most partitions wanted, at least 1
     * @return at most {@code partitions} non-empty partitions (fewer when the plan has fewer chunks)
     */
    static List<int[]> split(ForwardPlan plan, List<int[]> chunks, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, found " + partitions);
        }
        long[] costs = new long[chunks.size()];
        long total = 0;
        for (int c = 0; c < costs.length; c++) {
            costs[c] = IntStream.of(chunks.get(c)).mapToLong(i -> plan.requests().get(i).length()).sum();
            total += costs[c];
        }
        int count = Math.min(partitions, chunks.size());
        List<int[]> split = new ArrayList<>(count);
        List<int[]> current = new ArrayList<>();
        long cost = 0;
        for (int c = 0; c < costs.length; c++) {
            current.add(chunks.get(c));
            cost += costs[c];
            int cutsLeft = count - split.size() - 1;
            int chunksLeft = costs.length - c - 1;
            // cut when this partition has its share, or when every later chunk must start a partition of its own
            if (cutsLeft > 0 && (cost * count >= total * (split.size() + 1) || chunksLeft == cutsLeft)) {
                split.add(concat(current));
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            split.add(concat(current));
        }
        return split;
    }

    private static int[] concat(List<int[]> parts) {
        return parts.stream().flatMapToInt(IntStream::of).toArray();
    }
}
