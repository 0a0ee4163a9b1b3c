package io.interp4j.app.cli;

import picocli.CommandLine.Option;

/** The {@code -h, --help} option every command takes (a picocli mixin). */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Prints this command's usage and exits.")
    boolean help;
}
