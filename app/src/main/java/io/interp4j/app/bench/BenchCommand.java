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
        return "bench forward --model DIR [--tokens 20,32,128] [--decode 16] [--engine djl,onnx] [--quantization none|int8|nf4|q8|q4]"
                + " [--repeats 5] [--cache SITE]\n"
                + "    Each engine's prefill of each token count and per-token decode with the KV cache, beside two floors\n"
                + "    measured in the same run: the compute floor (the same forward's bare matrix products on the fastest\n"
                + "    engine kernels, ONNX Runtime's MLAS) and, for decode, the memory floor (float32 weight bytes per token /\n"
                + "    measured copy bandwidth), with the ratios; load time and peak resident memory. --cache resid_post (any\n"
                + "    hook site) also times forwards of the longest prefill caching that site at every layer, alternating.\n"
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
