package io.interp4j.planner;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What a scheduled forward costs on one loaded model, from a short calibration: a block costs {@code
 * perLayer + perLayerPosition × positions}, unembedding {@code perLogit} per position, so a forward of
 * {@code rows × width} positions from layer L costs {@code (n_layers − L) × (perLayer +
 * perLayerPosition × rows × width) + perLogit × logitRows}. Four forwards are timed (median of three
 * each, after a warm-up): 16 positions reading the last logits, 4 × 64 positions reading the last,
 * and 64 positions reading the last or every position's, each row with an intervention of its own as
 * the planner's requests have (see {@link #intervened}) (the last two's difference, over 63 positions, is the
 * unembedding's cost per position: wide enough to stand above the timing noise); attention's
 * quadratic term is left out (at prompt lengths of tens of tokens the projections dominate).
 *
 * @param layers the model's blocks
 * @param perLayer seconds per block and forward
 * @param perLayerPosition seconds per block and position
 * @param perLogit seconds per unembedded position
 */
public record PlanCost(int layers, double perLayer, double perLayerPosition, double perLogit) {
    private static final int REPEATS = 3;

    /**
     * Times the calibration forwards on a model.
     *
     * @param model the loaded model
     * @return the cost model
     */
    public static PlanCost calibrate(Model model) {
        int vocab = model.config().vocabSize();
        Random random = new Random(1);
        int[] short16 = random.ints(16, 0, vocab).toArray();
        List<int[]> wide = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            wide.add(random.ints(64, 0, vocab).toArray());
        }
        ForwardInput last16 = intervened(ForwardInput.of(short16).logitsAt(Positions.LAST));
        ForwardInput last64 = intervened(ForwardInput.of(wide.get(0)).logitsAt(Positions.LAST));
        ForwardInput all64 = intervened(ForwardInput.of(wide.get(0)));
        ForwardInput last256 = intervened(ForwardInput.of(wide).logitsAt(Positions.LAST));
        time(model, last16, 1);
        double t1 = time(model, last16, REPEATS);
        double t2 = time(model, last256, REPEATS);
        double perLogit = Math.max(0, (time(model, all64, REPEATS) - time(model, last64, REPEATS)) / 63);
        int layers = model.config().numLayers();
        double perLayerPosition = Math.max(0, ((t2 - 4 * perLogit) - (t1 - perLogit)) / (layers * 240.0));
        double perLayer = Math.max(0, (t1 - perLogit) / layers - 16 * perLayerPosition);
        return new PlanCost(layers, perLayer, perLayerPosition, perLogit);
    }

    /**
     * A calibration forward as the planner runs its intervened requests: every row with an intervention of
     * its own (scaling block 0's output by 1, which changes no value). An engine may run such a forward
     * differently from a bare one (djl dispatches the rows' hooks; onnx compiles them into a graph that
     * reads the weights in place instead of the bare graph's prepacked copy), so the calibration times what
     * the plans mostly run. On the 0.5B hub, djl's sample ratio went from 1.09–1.17 (three runs) to 0.99
     * (one run; the head scan's stayed at 1.03–1.07); onnx's stayed at about 1.6 (head scan 1.16), so the
     * rest of its gap is elsewhere (per-batch conversions of residuals and keys and values, small sample
     * batches).
     */
    private static ForwardInput intervened(ForwardInput input) {
        Intervention identity = new Intervention(Operation.SCALE, Site.layerOutput(0), Positions.ALL, List.of(), 1.0, Optional.empty(),
                "calibration: scale by 1");
        return input.withRowInterventions(java.util.Collections.nCopies(input.batch(), List.of(identity)));
    }

    /** The median seconds of {@code repeats} forwards. */
    private static double time(Model model, ForwardInput input, int repeats) {
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            try (Run run = model.newRun()) {
                long started = System.nanoTime();
                run.forward(input);
                seconds[r] = (System.nanoTime() - started) / 1e9;
            }
        }
        Arrays.sort(seconds);
        return seconds[repeats / 2];
    }

    /**
     * Returns the estimated seconds of one scheduled forward.
     *
     * @param forward the forward
     * @return seconds
     */
    public double seconds(ScheduledForward forward) {
        int blocks = layers - forward.startLayer();
        return blocks * (perLayer + perLayerPosition * (double) forward.rows() * forward.width()) + perLogit * forward.logitRows();
    }

    /**
     * Returns the estimated seconds of a plain forward (one prompt, every position unembedded).
     *
     * @param length the prompt's tokens
     * @return seconds
     */
    public double plainSeconds(int length) {
        return layers * (perLayer + perLayerPosition * length) + perLogit * length;
    }
}
