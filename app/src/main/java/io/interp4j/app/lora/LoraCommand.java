package io.interp4j.app.lora;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuites;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.api.train.TrainingResult;
import io.interp4j.app.cli.Args;
import io.interp4j.app.cli.AtomicOutput;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.StagedFolder;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code interp4j lora train}: trains a LoRA adapter and writes it in PEFT's format. */
public final class LoraCommand implements Command {
    private static final Set<String> OPTIONS = Set.of("model", "data", "out", "engine", "rank", "alpha", "dropout", "targets", "lr",
            "weight-decay", "warmup", "steps", "batch-size", "grad-accum", "max-grad-norm", "seed", "checkpoints");

    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the plugins, engines among them
     */
    public LoraCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "lora";
    }

    @Override
    public String usage() {
        return "lora train --model DIR --data FILE.jsonl --out ADAPTER_DIR [--rank 8 --alpha 16 --dropout 0.05\n"
                + "           --targets q_proj,k_proj,v_proj,o_proj --lr 2e-4 --weight-decay 0 --warmup 0 --steps 100 --batch-size 1\n"
                + "           --grad-accum 4 --max-grad-norm 1 --seed 0 --checkpoints 10,25,50] [--engine djl]\n"
                + "    Trains a LoRA adapter on a task-suite file (loss on each task's target tokens only) and writes it in PEFT's\n"
                + "    format, with training.json (options, loss per step, tokens/s).";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        if (arguments.isEmpty() || !arguments.get(0).equals("train")) {
            throw new UsageException("lora: name the action; available: train");
        }
        Args args = Args.parse(arguments.subList(1, arguments.size()), OPTIONS);
        Path model = args.path("model");
        Path data = args.path("data");
        Path target = args.path("out");
        TrainingOptions options = new TrainingOptions(
                args.integer("rank", 8, 1, 4096),
                args.decimal("alpha", 16),
                args.decimal("dropout", 0.05),
                List.of(args.get("targets").orElse("q_proj,k_proj,v_proj,o_proj").split(",")),
                args.decimal("lr", 2e-4),
                args.decimal("weight-decay", 0),
                args.integer("warmup", 0, 0, 1_000_000),
                args.integer("steps", 100, 1, 10_000_000),
                args.integer("batch-size", 1, 1, 4096),
                args.integer("grad-accum", 4, 1, 4096),
                args.decimal("max-grad-norm", 1.0),
                args.integer("seed", 0, 0, Integer.MAX_VALUE),
                args.get("checkpoints").map(c -> Arrays.stream(c.split(",")).map(String::trim).map(Integer::valueOf).toList())
                        .orElse(List.of()));
        List<Task> tasks = TaskSuites.read("training", data).tasks();
        String engine = args.get("engine").orElse("djl");
        LoraTrainer trainer = registry.engine(engine).loraTrainer().orElseThrow(() ->
                new Interp4jException(ErrorCode.UNSUPPORTED, "engine '" + engine + "' cannot train; use --engine djl"));
        // written under a temporary name and moved into place last: a killed run leaves no adapter folder
        try (StagedFolder staged = StagedFolder.create(target, false); Model base = registry.loadModel(engine, model)) {
            Tokenizer tokenizer = base.requireTokenizer();
            List<TrainingExample> examples = new ArrayList<>();
            for (Task t : tasks) {
                examples.add(new TrainingExample(tokenizer.encode(t.prompt()), tokenizer.encode(t.target())));
            }
            err.printf(Locale.ROOT, "training a rank-%d LoRA on %s (%s) with %d examples for %d steps%n",
                    options.rank(), model, String.join(",", options.targetModules()), examples.size(), options.steps());
            long started = System.nanoTime();
            TrainingResult result = trainer.train(base, examples, options, staged.path(), (step, loss, lr) -> {
                double elapsed = (System.nanoTime() - started) / 1e9;
                err.printf(Locale.ROOT, "step %d/%d  loss %.4f  lr %.3g  (%.1f s, ETA %.0f s)%n", step, options.steps(), loss, lr,
                        elapsed, elapsed / step * (options.steps() - step));
            });
            writeSummary(staged.path().resolve("training.json"), model, data, options, result);
            staged.commit();
            out.printf(Locale.ROOT, "wrote %s: final loss %.4f, %.1f tokens/s%n", target, result.losses().get(result.losses().size() - 1),
                    result.tokensPerSecond());
        }
    }

    private static void writeSummary(Path file, Path model, Path data, TrainingOptions options, TrainingResult result) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.toString());
        o.addProperty("data", data.toString());
        JsonObject opts = new JsonObject();
        opts.addProperty("rank", options.rank());
        opts.addProperty("alpha", options.alpha());
        opts.addProperty("dropout", options.dropout());
        JsonArray targets = new JsonArray();
        options.targetModules().forEach(targets::add);
        opts.add("target_modules", targets);
        opts.addProperty("learning_rate", options.learningRate());
        opts.addProperty("weight_decay", options.weightDecay());
        opts.addProperty("warmup_steps", options.warmupSteps());
        opts.addProperty("steps", options.steps());
        opts.addProperty("batch_size", options.batchSize());
        opts.addProperty("gradient_accumulation", options.gradientAccumulation());
        opts.addProperty("max_grad_norm", options.maxGradNorm());
        opts.addProperty("seed", options.seed());
        o.add("options", opts);
        JsonArray losses = new JsonArray();
        result.losses().forEach(losses::add);
        o.add("loss", losses);
        o.addProperty("seconds", result.seconds());
        o.addProperty("tokens", result.tokens());
        o.addProperty("tokens_per_second", result.tokensPerSecond());
        AtomicOutput.write(file, w -> w.write(new GsonBuilder().setPrettyPrinting().create().toJson(o)));
    }
}
