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
import io.interp4j.app.cli.AtomicOutput;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.StagedFolder;
import io.interp4j.app.cli.TypedValues;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code interp4j lora}: LoRA adapters; {@code lora train} trains one and writes it in PEFT's format. */
@Command(name = "lora", description = "LoRA adapters: train one (lora train).")
public final class LoraCommand {
    @Mixin
    private HelpOption help;

    private LoraCommand() {}

    /**
     * Returns the {@code lora} command with its subcommands.
     *
     * @param context this run's streams and plugins
     * @return the command line of {@code lora}
     */
    public static CommandLine commandLine(CommandContext context) {
        return new CommandLine(new LoraCommand()).addSubcommand(new Train(context));
    }

    /** {@code lora train}. */
    @Command(name = "train", sortOptions = false, description = {
        "Trains a LoRA adapter on a task-suite file (loss on each task's target tokens only, padding masked) and writes it in "
        + "PEFT's format, with training.json (options, loss per step, tokens/s) and checkpoint-N/ for each checkpoint step."})
    static final class Train implements Runnable {
        private final CommandContext context;

        @Mixin
        private HelpOption help;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model directory.")
        private Path model;

        @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "A task-suite file to train on.")
        private Path data;

        @Option(names = "--out", required = true, paramLabel = "ADAPTER_DIR", description = "The adapter folder to write (must not exist).")
        private Path target;

        @Option(names = "--engine", paramLabel = "ID", defaultValue = "djl", description = "An engine that trains (default: ${DEFAULT-VALUE}).")
        private String engine;

        @Option(names = "--rank", paramLabel = "N", defaultValue = "8", description = "LoRA rank, 1 to 4096 (default: ${DEFAULT-VALUE}).")
        private int rank;

        @Option(names = "--alpha", paramLabel = "X", defaultValue = "16", description = "LoRA alpha (default: ${DEFAULT-VALUE}).")
        private double alpha;

        @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE}).")
        private double dropout;

        @Option(names = "--targets", split = ",", paramLabel = "MODULE", defaultValue = "q_proj,k_proj,v_proj,o_proj",
                description = "The adapted modules, comma-separated (default: ${DEFAULT-VALUE}).")
        private List<String> targets;

        @Option(names = "--lr", paramLabel = "X", defaultValue = "2e-4", description = "Learning rate (default: ${DEFAULT-VALUE}).")
        private double learningRate;

        @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
        private double weightDecay;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
        private int warmup;

        @Option(names = "--steps", paramLabel = "N", defaultValue = "100", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
        private int steps;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "1", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
        private int batchSize;

        @Option(names = "--grad-accum", paramLabel = "N", defaultValue = "4", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
        private int gradAccum;

        @Option(names = "--max-grad-norm", paramLabel = "X", defaultValue = "1", description = "Gradient clipping norm (default: ${DEFAULT-VALUE}).")
        private double maxGradNorm;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the initialisation and dropout (default: ${DEFAULT-VALUE}).")
        private int seed;

        @Option(names = "--checkpoints", split = ",", paramLabel = "STEP", description = "Steps after which checkpoint-STEP/ is written,"
                + " comma-separated.")
        private List<Integer> checkpoints = new ArrayList<>();

        Train(CommandContext context) {
            this.context = context;
        }

        @Override
        public void run() {
            PrintStream out = context.out();
            PrintStream err = context.err();
            TrainingOptions options = new TrainingOptions(
                    TypedValues.inRange("--rank", rank, 1, 4096),
                    alpha,
                    dropout,
                    List.copyOf(targets),
                    learningRate,
                    weightDecay,
                    TypedValues.inRange("--warmup", warmup, 0, 1_000_000),
                    TypedValues.inRange("--steps", steps, 1, 10_000_000),
                    TypedValues.inRange("--batch-size", batchSize, 1, 4096),
                    TypedValues.inRange("--grad-accum", gradAccum, 1, 4096),
                    maxGradNorm,
                    TypedValues.inRange("--seed", seed, 0, Integer.MAX_VALUE),
                    List.copyOf(checkpoints));
            List<Task> tasks = TaskSuites.read("training", data).tasks();
            LoraTrainer trainer = context.registry().engine(engine).loraTrainer().orElseThrow(() ->
                    new Interp4jException(ErrorCode.UNSUPPORTED, "engine '" + engine + "' cannot train; use --engine djl"));
            // written under a temporary name and moved into place last: a killed run leaves no adapter folder
            try (StagedFolder staged = StagedFolder.create(target, false); Model base = context.registry().loadModel(engine, model)) {
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
}
