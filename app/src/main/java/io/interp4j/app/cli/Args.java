package io.interp4j.app.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The {@code --name value} options of one command, checked against what the command allows. */
public final class Args {
    private final Map<String, String> values;

    private Args(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses options.
     *
     * @param arguments the arguments after the command name
     * @param allowed the option names the command takes, without dashes
     * @return the options
     * @throws UsageException for an unknown, repeated or valueless option, or a stray argument
     */
    public static Args parse(List<String> arguments, Set<String> allowed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < arguments.size(); i++) {
            String arg = arguments.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'; options are " + describe(allowed));
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!allowed.contains(name)) {
                throw new UsageException("unknown option --" + name + "; allowed: " + describe(allowed));
            }
            if (value == null) {
                if (i + 1 >= arguments.size()) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = arguments.get(++i);
            }
            if (values.put(name, value) != null) {
                throw new UsageException("option --" + name + " is given twice");
            }
        }
        return new Args(values);
    }

    private static String describe(Set<String> allowed) {
        return String.join(", ", new TreeSet<>(allowed).stream().map(a -> "--" + a).toList());
    }

    /**
     * Returns whether an option was given.
     *
     * @param name the option
     * @return true if present
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * Returns an option's value.
     *
     * @param name the option
     * @return the value, if given
     */
    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /**
     * Returns a required option's value.
     *
     * @param name the option
     * @return the value
     */
    public String require(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException("missing required option --" + name);
        }
        return value;
    }

    /**
     * Returns a path option.
     *
     * @param name the option
     * @return the path
     */
    public Path path(String name) {
        return Path.of(require(name));
    }

    /**
     * Returns an integer option within bounds.
     *
     * @param name the option
     * @param fallback the value when absent
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the value
     */
    public int integer(String name, int fallback, int min, int max) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, found '" + text + "'");
        }
        if (value < min || value > max) {
            throw new UsageException("--" + name + " must be in [" + min + ", " + max + "], found " + value);
        }
        return value;
    }

    /**
     * Returns a decimal option.
     *
     * @param name the option
     * @param fallback the value when absent
     * @return the value
     */
    public double decimal(String name, double fallback) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, found '" + text + "'");
        }
    }

    /**
     * Returns a long option.
     *
     * @param name the option
     * @return the value
     */
    public long requireLong(String name) {
        String text = require(name);
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, found '" + text + "'");
        }
    }

    /**
     * Returns a boolean option.
     *
     * @param name the option
     * @param fallback the value when absent
     * @return the value
     */
    public boolean bool(String name, boolean fallback) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("--" + name + " must be true or false, found '" + text + "'");
        };
    }

    /**
     * Returns an option that must be one of the given choices.
     *
     * @param name the option
     * @param fallback the value when absent
     * @param choices the allowed values
     * @return the value
     */
    public String choice(String name, String fallback, String... choices) {
        String value = values.getOrDefault(name, fallback);
        if (!Arrays.asList(choices).contains(value)) {
            throw new UsageException("--" + name + " must be one of " + String.join(", ", choices) + ", found '" + value + "'");
        }
        return value;
    }

    /**
     * Parses a comma-separated list of token ids.
     *
     * @param name the option
     * @return the ids
     */
    public int[] tokenIds(String name) {
        String text = require(name);
        String[] parts = text.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be comma-separated token ids like 1,2,3; found '" + parts[i] + "'");
            }
        }
        return ids;
    }
}
