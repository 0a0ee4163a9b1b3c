package io.interp4j.metrics.generation;

import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricResult;
import java.util.List;
import java.util.Map;

final class Throughput extends GenerationMetric {
    Throughput() {
        super(ThroughputFactory.ID);
    }

    @Override
    MetricResult computeItems(List<Generated> items) {
        long tokens = 0;
        long nanos = 0;
        double perItem = 0;
        for (int i = 0; i < items.size(); i++) {
            Generated g = items.get(i);
            if (g.newTokens() < 0 || g.nanos() <= 0) {
                throw invalidInput("generation " + i + " has " + g.newTokens() + " new tokens in " + g.nanos()
                        + " ns; allowed: tokens ≥ 0 and a time > 0 ns");
            }
            tokens += g.newTokens();
            nanos += g.nanos();
            perItem += g.newTokens() / (g.nanos() / 1e9);
        }
        double seconds = nanos / 1e9;
        return new MetricResult(tokens / seconds, "tokens/s", Map.of("per-item-mean", perItem / items.size(),
                "total-tokens", (double) tokens, "total-seconds", seconds, "items", (double) items.size()));
    }

    @Override
    public String describe() {
        return "throughput in tokens/s = Σ new tokens / Σ generation seconds over all generations (time as measured by the"
                + " caller, e.g. after a 1-token warm-up); detail per-item-mean = the mean of each generation's own tokens/s";
    }
}
