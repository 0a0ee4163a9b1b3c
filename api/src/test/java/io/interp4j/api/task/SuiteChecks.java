package io.interp4j.api.task;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Independent recomputations of suite targets, shared by the suite tests. */
final class SuiteChecks {
    private static final Pattern SUM = Pattern.compile("(\\d+) ([-+*]) (\\d+)");

    private SuiteChecks() {}

    /** The value of the first {@code "a op b"} in a text, or throws if there is none. */
    static long arithmetic(String text) {
        Matcher m = SUM.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no 'a op b' in " + text);
        }
        long a = Long.parseLong(m.group(1));
        long b = Long.parseLong(m.group(3));
        return switch (m.group(2)) {
            case "+" -> a + b;
            case "-" -> a - b;
            default -> a * b;
        };
    }

    /** The closing brackets that balance the brackets of a text, innermost first. */
    static String closers(String text) {
        StringBuilder stack = new StringBuilder();
        for (char c : text.toCharArray()) {
            int open = "([{".indexOf(c);
            int close = ")]}".indexOf(c);
            if (open >= 0) {
                stack.append(")]}".charAt(open));
            } else if (close >= 0) {
                if (stack.length() == 0 || stack.charAt(stack.length() - 1) != c) {
                    throw new AssertionError("unbalanced '" + c + "' in " + text);
                }
                stack.setLength(stack.length() - 1);
            }
        }
        return stack.reverse().toString();
    }

    /** Whether a text meets a generation constraint, by the rules suites/qwen/README.md states. */
    static boolean meets(String text, String constraint) {
        if (constraint.equals("json-only")) {
            String s = text.strip();
            return s.startsWith("{") && s.endsWith("}");
        }
        if (constraint.equals("max-chars=500")) {
            return text.length() <= 500;
        }
        String[] kv = constraint.split("=");
        int n = Integer.parseInt(kv[1]);
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return switch (kv[0]) {
            case "lines" -> lines.size() == n;
            case "bullets" -> lines.stream().filter(l -> l.strip().matches("^([-*\u2022]|[0-9]+[.)])\\s+.*")).count() == n;
            case "sentences" -> !text.isBlank() && text.strip().split("(?<=[.!?])\\s+").length == n;
            default -> throw new AssertionError(constraint);
        };
    }
}
