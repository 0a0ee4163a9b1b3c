package io.interp4j.app.cli;

import io.interp4j.api.quant.Quantization;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The types of option values and their messages. A converter's message says what is allowed and what was
 * found ({@code must be an integer, found 'x'}); {@link UsageErrors} puts the option's name before it.
 */
public final class TypedValues {
    private TypedValues() {}

    /**
     * Registers the converters with a command line and every subcommand it has now.
     *
     * @param commandLine the command line, with all its subcommands added
     */
    public static void register(CommandLine commandLine) {
        ITypeConverter<Integer> integer = text -> parse(text, Integer::valueOf, "an integer");
        ITypeConverter<Long> longInteger = text -> parse(text, Long::valueOf, "an integer");
        ITypeConverter<Double> decimal = text -> parse(text, Double::valueOf, "a number");
        ITypeConverter<Boolean> bool = text -> switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new TypeConversionException("must be true or false, found '" + text + "'");
        };
        commandLine.registerConverter(Integer.class, integer).registerConverter(int.class, integer)
                .registerConverter(Long.class, longInteger).registerConverter(long.class, longInteger)
                .registerConverter(Double.class, decimal).registerConverter(double.class, decimal)
                .registerConverter(Boolean.class, bool).registerConverter(boolean.class, bool)
                .registerConverter(Path.class, TypedValues::path)
                .registerConverter(Quantization.class, TypedValues::quantization);
    }

    /**
     * Checks that an integer option lies within bounds.
     *
     * @param option the option's name, e.g. {@code --repeats}
     * @param value its value
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the value
     * @throws UsageException when out of bounds
     */
    public static int inRange(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new UsageException(option + " must be in [" + min + ", " + max + "], found " + value);
        }
        return value;
    }

    private interface Parser<T> {
        T parse(String text);
    }

    private static <T> T parse(String text, Parser<T> parser, String what) {
        try {
            return parser.parse(text.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("must be " + what + ", found '" + text + "'");
        }
    }

    private static Path path(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new TypeConversionException("must be a path on this system, found '" + text.replace("\0", "\\0") + "' (" + e.getReason() + ")");
        }
    }

    private static Quantization quantization(String text) {
        for (Quantization q : Quantization.values()) {
            if (q.configName().equals(text.trim())) {
                return q;
            }
        }
        throw new TypeConversionException("must be one of " + Quantization.configNames() + ", found '" + text + "'");
    }
}
