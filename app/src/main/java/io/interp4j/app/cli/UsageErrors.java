package io.interp4j.app.cli;

import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Says in one line what is wrong with a command line: the option or argument, what was found and what is
 * allowed, with picocli's suggestion for a misspelt option or command.
 */
public final class UsageErrors {
    private UsageErrors() {}

    /**
     * Describes a command line that picocli refused.
     *
     * @param e the refusal
     * @return one line, without the command's name
     */
    public static String describe(ParameterException e) {
        CommandLine commandLine = e.getCommandLine();
        if (e instanceof UnmatchedArgumentException unmatched) {
            return unmatched(unmatched, commandLine);
        }
        if (e instanceof MissingParameterException && !commandLine.getUnmatchedArguments().isEmpty()) {
            // picocli checks required options before it reports what it could not match: a misspelt required option
            // is better described as misspelt than as missing
            return unmatched(new UnmatchedArgumentException(commandLine, commandLine.getUnmatchedArguments()), commandLine);
        }
        if (e.getCause() instanceof TypeConversionException conversion && e.getArgSpec() != null) {
            return name(e.getArgSpec()) + " " + conversion.getMessage();
        }
        if (!commandLine.getSubcommands().isEmpty() && e.getMessage().startsWith("Missing required subcommand")) {
            return "name a subcommand; available: " + subcommands(commandLine);
        }
        return e.getMessage();
    }

    private static String unmatched(UnmatchedArgumentException e, CommandLine commandLine) {
        List<String> suggestions = e.getSuggestions();
        String suggestion = suggestions.isEmpty() ? "" : "did you mean " + String.join(" or ", suggestions) + "? ";
        String found = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
        if (e.isUnknownOption()) {
            return "unknown option '" + found + "'; " + suggestion + "allowed: " + options(commandLine);
        }
        if (!commandLine.getSubcommands().isEmpty() && commandLine.getCommandSpec().positionalParameters().isEmpty()) {
            return "unknown command '" + found + "'; " + suggestion + "available: " + subcommands(commandLine);
        }
        return "unexpected argument '" + found + "'; " + suggestion + "see --help";
    }

    private static String name(ArgSpec spec) {
        if (spec instanceof OptionSpec option) {
            return option.longestName();
        }
        return ((PositionalParamSpec) spec).paramLabel();
    }

    private static String options(CommandLine commandLine) {
        return commandLine.getCommandSpec().options().stream().filter(o -> !o.hidden()).map(OptionSpec::longestName).sorted()
                .collect(Collectors.joining(", "));
    }

    private static String subcommands(CommandLine commandLine) {
        return commandLine.getSubcommands().values().stream().distinct().map(CommandLine::getCommandName)
                .collect(Collectors.joining(", "));
    }
}
