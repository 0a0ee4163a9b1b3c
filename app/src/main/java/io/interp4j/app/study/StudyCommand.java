package io.interp4j.app.study;

import com.google.inject.Guice;
import com.google.inject.Stage;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code interp4j study FILE.conf [--models NAME,...] [--out DIR] [--dry-run [--no-estimate]] [--runner ID [--master URL] [--partitions N]]}. */
@Command(name = "study", sortOptions = false, description = {
    "Validates the study (every problem with its config path), then runs its steps into DIR (default out/<name>): "
    + "results.json, report.md, report.html; finished steps are stored and reused when the study is run again. "
    + "--runner spark runs the steps' forward plans on Apache Spark; other steps run here, on the driver."})
public final class StudyCommand implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Parameters(paramLabel = "FILE.conf", description = "The study file (HOCON).")
    private Path file;

    @Option(names = "--out", paramLabel = "DIR", description = "The output folder (default: out/<name>, under the current folder).")
    private Path outDir;

    @Option(names = "--models", split = ",", paramLabel = "NAME", description = "Runs the part of the study that these of its models"
            + " take, as if the file named only them: steps on none of them are left out, the others narrowed to them, and the"
            + " study is named <name>-<models> (default: every model).")
    private List<String> models = List.of();

    @Option(names = "--dry-run", description = "Prints the plan, the forward passes of each step and an estimated time (a calibration on each model, corrected by a timed sample of about 10 s of each step); writes nothing.")
    private boolean dryRun;

    @Option(names = "--no-estimate", description = "With --dry-run: loads and runs no model and estimates no time.")
    private boolean noEstimate;

    @Option(names = "--runner", paramLabel = "ID", defaultValue = Runners.LOCAL, description = "Where forward plans run: local or spark"
            + " (default: ${DEFAULT-VALUE}).")
    private String runner;

    @Option(names = "--master", paramLabel = "URL", description = "--runner spark: the Spark master (default: local[*]).")
    private String master;

    @Option(names = "--partitions", paramLabel = "N", description = "--runner spark: partitions per plan (default: twice the cluster's"
            + " cores).")
    private String partitions;

    /**
     * Creates the command.
     *
     * @param context this run's streams and plugins
     */
    public StudyCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        PrintStream out = context.out();
        PrintStream err = context.err();
        PluginRegistry registry = context.registry();
        // the runner's own options, checked by the runner (local takes none)
        Map<String, String> runnerOptions = new LinkedHashMap<>();
        Optional.ofNullable(master).ifPresent(m -> runnerOptions.put("master", m));
        Optional.ofNullable(partitions).ifPresent(p -> runnerOptions.put("partitions", p));
        Runners.Choice choice = new Runners.Choice(runner, runnerOptions);
        StudyRunner studyRunner = Guice.createInjector(Stage.PRODUCTION, new StudyModule(registry)).getInstance(StudyRunner.class);
        // a study's problems are printed by the command line, as every command's are (cli.Failures)
        if (dryRun) {
            studyRunner.dryRun(file, models, out, !noEstimate);
        } else {
            studyRunner.run(file, models, Optional.ofNullable(outDir), err, System.console() != null, choice);
        }
    }
}
