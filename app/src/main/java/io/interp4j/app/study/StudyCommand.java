package io.interp4j.app.study;

import com.google.inject.Guice;
import com.google.inject.Stage;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.app.cli.Command;
import io.interp4j.app.cli.UsageException;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code interp4j study FILE.conf [--out DIR] [--dry-run] [--runner ID [--master URL] [--partitions N]]}. */
public final class StudyCommand implements Command {
    private final PluginRegistry registry;

    /**
     * Creates the command.
     *
     * @param registry the plugins
     */
    public StudyCommand(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "study";
    }

    @Override
    public String usage() {
        return "study FILE.conf [--out DIR] [--dry-run] [--runner local|spark [--master URL] [--partitions N]]\n"
                + "    Validates the study (every problem with its config path), then runs its steps into DIR (default out/<name>):\n"
                + "    results.json, report.md, report.html; finished steps are stored and reused when the study is run again.\n"
                + "    --runner spark runs the steps' forward plans on Apache Spark (--master, default local[*]; --partitions, default\n"
                + "    twice the cluster's cores); other steps run here, on the driver.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Path file = null;
        Optional<Path> outDir = Optional.empty();
        boolean dryRun = false;
        boolean estimate = true;
        String runner = Runners.LOCAL;
        java.util.Map<String, String> runnerOptions = new java.util.LinkedHashMap<>();
        for (int i = 0; i < arguments.size(); i++) {
            String arg = arguments.get(i);
            switch (arg) {
                case "--dry-run" -> dryRun = true;
                case "--no-estimate" -> estimate = false;
                case "--out" -> outDir = Optional.of(Path.of(value(arguments, i++)));
                case "--runner" -> runner = value(arguments, i++);
                case "--master", "--partitions" -> runnerOptions.put(arg.substring(2), value(arguments, i++));
                default -> {
                    if (arg.startsWith("--") || file != null) {
                        throw new UsageException("unexpected argument '" + arg + "'; usage: study FILE.conf [--out DIR] [--dry-run [--no-estimate]]");
                    }
                    file = Path.of(arg);
                }
            }
        }
        if (file == null) {
            throw new UsageException("missing the study file; usage: study FILE.conf [--out DIR] [--dry-run [--no-estimate]]");
        }
        Runners.Choice choice = new Runners.Choice(runner, runnerOptions);
        StudyRunner studyRunner = Guice.createInjector(Stage.PRODUCTION, new StudyModule(registry)).getInstance(StudyRunner.class);
        try {
            if (dryRun) {
                studyRunner.dryRun(file, out, estimate);
            } else {
                studyRunner.run(file, outDir, err, System.console() != null, choice);
            }
        } catch (StudyException e) {
            e.problems().forEach(p -> err.println("  " + p));
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, e.problems().size() + " problem(s) in " + file + " (listed above)");
        }
    }

    private static String value(List<String> arguments, int i) {
        if (i + 1 >= arguments.size()) {
            throw new UsageException("option " + arguments.get(i) + " needs a value");
        }
        return arguments.get(i + 1);
    }
}
