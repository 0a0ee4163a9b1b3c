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

/** {@code interp4j study FILE.conf [--out DIR] [--dry-run]}. */
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
        return "study FILE.conf [--out DIR] [--dry-run]\n"
                + "    Validates the study (every problem with its config path), then runs its steps into DIR (default out/<name>):\n"
                + "    results.json, report.md, report.html; finished steps are stored and reused when the study is run again.";
    }

    @Override
    public void run(List<String> arguments, PrintStream out, PrintStream err) {
        Path file = null;
        Optional<Path> outDir = Optional.empty();
        boolean dryRun = false;
        boolean estimate = true;
        for (int i = 0; i < arguments.size(); i++) {
            String arg = arguments.get(i);
            switch (arg) {
                case "--dry-run" -> dryRun = true;
                case "--no-estimate" -> estimate = false;
                case "--out" -> {
                    if (i + 1 >= arguments.size()) {
                        throw new UsageException("option --out needs a value");
                    }
                    outDir = Optional.of(Path.of(arguments.get(++i)));
                }
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
        StudyRunner runner = Guice.createInjector(Stage.PRODUCTION, new StudyModule(registry)).getInstance(StudyRunner.class);
        try {
            if (dryRun) {
                runner.dryRun(file, out, estimate);
            } else {
                runner.run(file, outDir, err, System.console() != null);
            }
        } catch (StudyException e) {
            e.problems().forEach(p -> err.println("  " + p));
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, e.problems().size() + " problem(s) in " + file + " (listed above)");
        }
    }
}
