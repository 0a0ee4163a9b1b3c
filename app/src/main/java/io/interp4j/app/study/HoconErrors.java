package io.interp4j.app.study;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import io.interp4j.api.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Words Typesafe Config's errors about a study file: the file and line once ({@code FILE: line N:
 * what}), where Typesafe's message already starts with them; and for a syntax error, the bracket that
 * is really wrong when the file's braces and brackets do not pair up, which Typesafe's parser misnames
 * (an object left open at the end of the file is "expecting a close parentheses ')'", a '}' that
 * closes a list is "List should have had new element after a comma").
 */
final class HoconErrors {
    private HoconErrors() {}

    /**
     * Describes an error of reading or resolving a study.
     *
     * @param file the study file
     * @param e Typesafe's error
     * @return one line naming the file (the included file, when the error is in one) and line once
     */
    static Problem describe(Path file, ConfigException e) {
        ConfigOrigin origin = e.origin();
        String message = e.getMessage();
        if (origin == null) {
            return new Problem(file.toString(), message);
        }
        String prefix = origin.description() + ": ";
        String what = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        Path where = origin.filename() != null ? Path.of(origin.filename()) : file;
        if (e instanceof ConfigException.Parse) {
            Optional<String> bracket = unpaired(where);
            if (bracket.isPresent()) {
                return new Problem(where.toString(), bracket.get());
            }
        }
        return new Problem(where.toString(), (origin.lineNumber() > 0 ? "line " + origin.lineNumber() + ": " : "") + what);
    }

    /** The first brace or bracket of the file that does not pair up, as "line N: what"; empty when all pair up or the file cannot be read. */
    static Optional<String> unpaired(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return unpaired(text);
    }

    /**
     * The first brace or bracket of a HOCON text that does not pair up, skipping quoted strings
     * (including triple-quoted ones) and comments ({@code #} and {@code //} to the end of the line).
     *
     * @param text the text
     * @return "line N: what", or empty when every brace and bracket pairs up
     */
    static Optional<String> unpaired(String text) {
        Deque<int[]> open = new ArrayDeque<>(); // {character, line, indentation of its line}
        int[] early = null; // the last closer after text on a line indented deeper than its opener's: {character, line, opener's line}
        int[] misfit = null; // the first opener whose closer starts a line indented differently: {character, line, closer's line}
        int line = 1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                while (end < n && text.charAt(end) == '"') { // a raw string may end with more quotes
                    end++;
                }
                line += count(text, i, end);
                i = end;
            } else if (c == '"') {
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (c == '{' || c == '[') {
                open.push(new int[] {c, line, indent(text, i, false)});
                i++;
            } else if (c == '}' || c == ']') {
                char wanted = c == '}' ? '{' : '[';
                if (open.isEmpty()) {
                    return Optional.of(early != null
                            ? "line " + early[1] + ": '" + (char) early[0] + "' closes the '" + wanted + "' of line " + early[2]
                                    + " early (its line is indented deeper than that one), so the '" + c + "' on line " + line
                                    + " closes nothing"
                            : "line " + line + ": '" + c + "' closes nothing: no '" + wanted + "' is open here");
                }
                int[] top = open.pop();
                if (top[0] != wanted) {
                    return Optional.of("line " + line + ": '" + c + "' where the '" + (char) top[0] + "' opened on line " + top[1]
                            + " needs its '" + closer(top[0]) + "' first");
                }
                int indent = indent(text, i, true);
                if (misfit == null && top[1] != line && indent >= 0 && indent != top[2]) {
                    misfit = new int[] {top[0], top[1], line};
                }
                if (top[1] != line && indent < 0 && indent(text, i, false) > top[2]) {
                    early = new int[] {c, line, top[1]};
                }
                i++;
            } else {
                i++;
            }
        }
        if (!open.isEmpty()) {
            // the closers pair with the wrong openers from the missing one on; indentation tells which that is
            int[] unclosed = misfit != null && misfit[0] == open.peek()[0] ? misfit : open.peek();
            String hint = unclosed == misfit ? " (the '" + closer(misfit[0]) + "' on line " + misfit[2] + " is indented for an outer one)" : "";
            String left = open.size() == 1 ? "one '" + (char) open.peek()[0] + "'" : open.size() + " braces or brackets";
            return Optional.of("line " + unclosed[1] + ": '" + (char) unclosed[0] + "' is never closed" + hint + "; the file ends with "
                    + left + " open");
        }
        return Optional.empty();
    }

    /**
     * The indentation of the line holding position {@code at}: its leading spaces and tabs; -1 when
     * {@code first} and something other than blanks comes before {@code at} on that line.
     */
    private static int indent(String text, int at, boolean first) {
        int start = text.lastIndexOf('\n', at - 1) + 1;
        int k = start;
        while (k < text.length() && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
            k++;
        }
        return first && k < at ? -1 : k - start;
    }

    private static char closer(int opener) {
        return opener == '{' ? '}' : ']';
    }

    private static int count(String text, int from, int to) {
        int lines = 0;
        for (int k = from; k < Math.min(to, text.length()); k++) {
            lines += text.charAt(k) == '\n' ? 1 : 0;
        }
        return lines;
    }
}
