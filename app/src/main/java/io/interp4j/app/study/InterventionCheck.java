package io.interp4j.app.study;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Watches a step's forwards for interventions that did nothing: an intervened request whose logits
 * equal, within {@value #TOLERANCE}, the logits of the clean request of the same model and prompt that
 * the step ran in this plan or an earlier one (a hook that never fired, a site the intervention cannot
 * reach, a replacement by the value that was already there). It is the silent failure most reported against hook-based libraries; the
 * study's report flags the step instead of printing its numbers as if they measured something.
 *
 * <p>Only requests whose step also ran the clean run of their prompt, read at the same logit positions,
 * can be checked; the others are counted as unchecked. The clean logits are kept for the step's
 * duration, at most {@value #KEPT_VALUES} values (256 MiB).
 *
 * <p>It also reads where each intervened request's interventions fired ({@link ForwardReadout#fired}, recorded
 * by the executor from the engine's hook dispatch): an intervention whose site is not among them never
 * fired (the forward never reached the point it rewrites), and the step is flagged {@code
 * intervention-never-fired} beside {@code inert-intervention}; the step's summary keeps how many requests
 * recorded their sites, how many had an intervention that never fired, and the sites that fired with their
 * counts ({@value #SITES} most frequent, then how many more).
 */
final class InterventionCheck {
    /**
     * The largest |Δ logit| that counts as unchanged: planned forwards agree with one plain forward to
     * about 6e-6 (batched float32 arithmetic), so a smaller difference is rounding, not an effect.
     */
    static final double TOLERANCE = 1e-5;
    private static final int EXAMPLES = 3;
    /** The most fired sites the summary names. */
    static final int SITES = 6;
    /** The most clean logit values kept for comparison (256 MiB of floats). */
    static final long KEPT_VALUES = 64L << 20;

    private final Map<Key, TensorData> clean = new HashMap<>();
    private long kept;
    private long intervened;
    private long checked;
    private final Map<String, Long> unmoved = new LinkedHashMap<>();
    private final Map<String, List<String>> examples = new HashMap<>();
    private long recorded;
    private final Map<String, Long> firedAt = new HashMap<>();
    private final Map<String, Long> neverFired = new LinkedHashMap<>();
    private final Map<String, List<String>> neverFiredExamples = new HashMap<>();

    /**
     * Takes one readout as the step's executor delivers it: a clean one is kept, an intervened one is
     * compared with the clean readout of its prompt if that was delivered before it (the planner
     * delivers a prompt's clean readout first).
     *
     * @param request the request
     * @param readout what it read
     */
    synchronized void observe(ForwardRequest request, ForwardReadout readout) {
        TensorData logits = readout.logits();
        if (request.interventions().isEmpty()) {
            if (logits != null && kept + logits.data().length <= KEPT_VALUES && clean.putIfAbsent(new Key(request), logits) == null) {
                kept += logits.data().length;
            }
            return;
        }
        intervened++;
        fired(request, readout.fired());
        TensorData reference = clean.get(new Key(request));
        if (reference == null || logits == null || !Arrays.equals(reference.shape(), logits.shape())) {
            return;
        }
        checked++;
        double shift = maxAbsDifference(reference.data(), logits.data());
        if (shift <= TOLERANCE) {
            unmoved.merge(request.model(), 1L, Long::sum);
            List<String> some = examples.computeIfAbsent(request.model(), m -> new ArrayList<>());
            if (some.size() < EXAMPLES) {
                some.add(describe(request.interventions()) + String.format(Locale.ROOT, " (max |Δ logit| %.2g)", shift));
            }
        }
    }

    /** Counts where a request's interventions fired, and those that never did. */
    private void fired(ForwardRequest request, Set<String> fired) {
        if (fired == null) {
            return;
        }
        recorded++;
        fired.forEach(site -> firedAt.merge(site, 1L, Long::sum));
        List<Intervention> silent = request.interventions().stream().filter(v -> !fired.contains(v.site().name())).toList();
        if (!silent.isEmpty()) {
            neverFired.merge(request.model(), 1L, Long::sum);
            List<String> some = neverFiredExamples.computeIfAbsent(request.model(), m -> new ArrayList<>());
            if (some.size() < EXAMPLES) {
                some.add(describe(silent));
            }
        }
    }

    private static String describe(List<Intervention> interventions) {
        return String.join("; ", interventions.stream().map(v -> v.operation().name().toLowerCase(Locale.ROOT) + " at " + v.site().name()
                + (v.heads().isEmpty() ? "" : " heads " + v.heads())).toList());
    }

    /**
     * Returns the step's result with the check's counts in its summary and, where interventions did
     * nothing or never fired, a flag per model in its headline's flags ({@link StepResult#withFlags}; created if the step has none).
     *
     * @param step the step's id, for the flag's dimension column
     * @param result what the step returned
     * @return the result with the check
     */
    synchronized StepResult annotate(String step, StepResult result) {
        if (intervened == 0) {
            return result;
        }
        Map<String, Object> summary = new LinkedHashMap<>(result.summary());
        summary.put("interventions.requests", intervened);
        summary.put("interventions.checked", checked);
        summary.put("interventions.unmoved", unmoved.values().stream().mapToLong(Long::longValue).sum());
        summary.put("interventions.sites-recorded", recorded);
        summary.put("interventions.never-fired", neverFired.values().stream().mapToLong(Long::longValue).sum());
        summary.put("interventions.fired-at", firedSummary());
        if (unmoved.isEmpty() && neverFired.isEmpty()) {
            return result.withSummary(summary);
        }
        List<List<Object>> flags = new ArrayList<>();
        neverFired.forEach((model, count) -> flags.add(Arrays.asList(step, "both", model, "intervention-never-fired", String.format(
                Locale.ROOT, "%d of %d intervened forwards that recorded where their interventions fired have an intervention that never"
                        + " fired (the forward never reached the hook point it rewrites), e.g. %s", count, recorded,
                String.join(" | ", neverFiredExamples.get(model))))));
        unmoved.forEach((model, count) -> flags.add(Arrays.asList(step, "both", model, "inert-intervention", String.format(Locale.ROOT,
                "%d of %d checked intervened forwards left the logits unchanged (max |Δ logit| <= %.0e of the clean run of the same"
                        + " prompt): the intervention did nothing there, e.g. %s", count, checked, TOLERANCE,
                String.join(" | ", examples.get(model))))));
        return result.withSummary(summary).withFlags(flags);
    }

    /** The fired sites by count, most first (then by name), the first {@value #SITES} named. */
    private String firedSummary() {
        List<Map.Entry<String, Long>> sites = firedAt.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).toList();
        String named = String.join(", ", sites.stream().limit(SITES).map(e -> e.getKey() + " ×" + e.getValue()).toList());
        return sites.size() > SITES ? named + " (+" + (sites.size() - SITES) + " more sites)" : named;
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    /** A request's model, prompt and logit positions. */
    private record Key(String model, List<Integer> tokens, Positions positions) {
        Key(ForwardRequest request) {
            this(request.model(), Arrays.stream(request.tokens()).boxed().toList(), request.readout().logits());
        }

        Key {
            Objects.requireNonNull(model, "model is null");
        }
    }
}
