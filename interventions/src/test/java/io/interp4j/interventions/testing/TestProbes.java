package io.interp4j.interventions.testing;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the probe registry, so these tests do not depend on the probes module: {@code
 * activation-stats} computes the mean over every position of a prompt set's prompts directly from the
 * engine, at hook points only; any other probe answers with the tensors a test gave it. Every call is recorded.
 */
public final class TestProbes implements InterventionContext.ProbeRunner {
    /** One recorded call. */
    public record Call(String id, Config settings) {}

    private final List<Call> calls = new ArrayList<>();
    private final Map<String, Map<String, TensorData>> canned = new LinkedHashMap<>();

    /**
     * Makes a probe answer with a tensor.
     *
     * @param probe the probe id
     * @param name the tensor name
     * @param tensor the tensor
     */
    public synchronized void answer(String probe, String name, TensorData tensor) {
        canned.computeIfAbsent(probe, p -> new LinkedHashMap<>()).put(name, tensor);
    }

    /**
     * Returns the calls so far and forgets them.
     *
     * @return the calls
     */
    public synchronized List<Call> takeCalls() {
        List<Call> out = List.copyOf(calls);
        calls.clear();
        return out;
    }

    @Override
    public synchronized ProbeResult run(String id, Config settings, ProbeContext context) {
        calls.add(new Call(id, settings));
        if (id.equals("activation-stats")) {
            Model model = context.requireModel(id);
            List<int[]> prompts = context.prompts(settings.getString("prompts"));
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (String site : settings.getStringList("sites")) {
                tensors.put("mean/" + site, mean(model, site, prompts));
            }
            return new ProbeResult(id, tensors, List.of());
        }
        Map<String, TensorData> tensors = canned.get(id);
        if (tensors == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown probe '" + id + "'");
        }
        return new ProbeResult(id, tensors, List.of());
    }

    private static TensorData mean(Model model, String site, List<int[]> prompts) {
        double[] sum = null;
        long[] feature = null;
        long count = 0;
        for (int[] prompt : prompts) {
            try (Run run = model.newRun()) {
                HookPoint point = HookPoint.parse(site);
                ActivationCache cache = run.cache(List.of(point)).forward(prompt).cache();
                float[] values = cache.get(point).toFloatArray();
                long[] shape = cache.get(point).getShape().getShape();
                int rows = (int) shape[1];
                int width = values.length / rows;
                if (sum == null) {
                    sum = new double[width];
                    feature = Arrays.copyOfRange(shape, 2, shape.length);
                }
                for (int i = 0; i < values.length; i++) {
                    sum[i % width] += values[i];
                }
                count += rows;
            }
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (float) (sum[i] / count);
        }
        return new TensorData(feature, mean);
    }
}
