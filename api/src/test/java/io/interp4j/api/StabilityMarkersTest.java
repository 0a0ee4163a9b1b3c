package io.interp4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public top-level api type says how stable it is, and the api's package documentation lists
 * exactly the types marked internal and exactly those marked experimental, so what stays stable is
 * everything else, deliberately (the markers have class retention, so the sources are read).
 */
class StabilityMarkersTest {
    private static final Path SOURCES = Path.of("src/main/java/io/interp4j/api");
    private static final Pattern TYPE = Pattern.compile("^((?:@\\w+\\s*\\n)*)public (?:final |abstract |sealed |non-sealed )*(?:@interface|class|interface|record|enum) (\\w+)",
            Pattern.MULTILINE);

    @Test
    void everyPublicTypeCarriesOneMarkerAndTheInternalOnesAreListed() throws IOException {
        List<String> unmarked = new ArrayList<>();
        TreeSet<String> internal = new TreeSet<>();
        TreeSet<String> experimental = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().endsWith("-info.java")).sorted().toList();
        }
        for (Path file : files) {
            Matcher type = TYPE.matcher(Files.readString(file));
            if (!type.find()) {
                continue;
            }
            String annotations = type.group(1);
            long markers = Stream.of("@Stable", "@Internal", "@Experimental").filter(annotations::contains).count();
            boolean marker = file.getParent().equals(SOURCES) && List.of("Stable", "Internal", "Experimental").contains(type.group(2));
            if (markers != 1 && !marker) {
                unmarked.add(type.group(2) + " (" + markers + " markers)");
            }
            if (annotations.contains("@Internal")) {
                internal.add(type.group(2));
            }
            if (annotations.contains("@Experimental")) {
                experimental.add(type.group(2));
            }
        }
        assertThat(unmarked).as("public api types without exactly one of @Stable, @Internal, @Experimental").isEmpty();

        String docs = Files.readString(SOURCES.resolve("package-info.java"));
        String internalPart = docs.substring(docs.indexOf("<b>What is internal</b>"), docs.indexOf("<b>What is experimental</b>"));
        assertThat(typesNamed(internalPart)).as("the internal types package-info.java lists").isEqualTo(internal);
        String experimentalPart = docs.substring(docs.indexOf("<b>What is experimental</b>"));
        // the package it names (lens) is not a type
        assertThat(typesNamed(experimentalPart)).as("the experimental types package-info.java lists").isEqualTo(experimental);
    }

    /** The names in {@code {@code Name}} of a part of the docs, less lowercase ones (packages). */
    private static TreeSet<String> typesNamed(String part) {
        TreeSet<String> named = new TreeSet<>();
        Matcher code = Pattern.compile("\\{@code[\\s*]+(\\w+)}").matcher(part);
        while (code.find()) {
            if (Character.isUpperCase(code.group(1).charAt(0))) {
                named.add(code.group(1));
            }
        }
        return named;
    }
}
