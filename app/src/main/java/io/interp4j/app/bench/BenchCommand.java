package io.interp4j.app.bench;

import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.util.List;

/** {@code interp4j bench}: benchmarks that print ratios against a baseline measured in the same run. */
public final class BenchCommand implements Command {
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the registry to measure
     */
    public BenchCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "bench forward --model DIR --tokens N [--engine djl|onnx] [--quantization none|int8|nf4|q8|q4] [--repeats 5] [--cache SITE]\n"
                + "    Load time (warm page cache), prefill of N random tokens, peak resident memory, and the time of the\n"
                + "    bare matrix products one forward needs, measured in the same run, with the ratios. --cache resid_post\n"
                + "    (any hook site) also times forwards caching that site at every layer, alternating with plain ones.\n"
                + "bench engines --model DIR [--tokens 128] [--decode 16] [--repeats 3] [--engines djl,onnx] [--weights q8,q4]\n"
                + "    Every engine x float32 and each weight scheme (default all: int8, nf4, q8, q4) in one run: load, prefill,\n"
                + "    per-token decode tokens/s, resident memory, ratios to float32 measured in the same run.\n"
                + "bench lora --model DIR [--tokens 128] [--steps 3]\n"
                + "    LoRA training steps (batch 1, rank 8 on q/k/v/o): seconds per step, tokens/s, peak resident memory.\n"
                + "bench plan --model DIR --suite FILE.jsonl [--engine djl] [--prompts 4] [--sample 12] [--repeats 1] [--batch-tokens 1024]\n"
                + "    Planned vs naive forwards in the same run: forwards/s and their ratio for layer-contribution ablation over\n"
                + "    every layer, every head of 4 layers, and last-position steering with 9 scales at 6 layers.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        String which = arguments.isEmpty() ? "" : arguments.get(0);
        switch (which) {
            case "forward" -> new ForwardBenchmark(registry).run(arguments.subList(1, arguments.size()), out, err);
            case "engines" -> new EngineComparison(registry).run(arguments.subList(1, arguments.size()), out);
            case "lora" -> new LoraBenchmark(registry).run(arguments.subList(1, arguments.size()), out);
            case "plan" -> new PlanBenchmark(registry).run(arguments.subList(1, arguments.size()), out);
            default -> throw new UsageException("bench: name a benchmark; available: forward, engines, lora, plan");
        }
    }
}
