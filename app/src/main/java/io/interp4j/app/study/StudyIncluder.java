package io.interp4j.app.study;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a study file's {@code include}s are read: {@code include "x.conf"} and {@code include
 * file("x.conf")} are files relative to the folder of the file that includes them (the study file
 * for its own includes), never the class path or the working directory; a missing one is an error;
 * an absolute path, {@code url(...)} and {@code classpath(...)} are refused, so reading a study never
 * makes a network request and reads only files named relative to it; a file that includes itself,
 * directly or through other files, is an error naming the cycle (Typesafe Config would recurse until the
 * stack overflows).
 */
final class StudyIncluder implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    private final Path folder;
    /** The files being read, the study file first and the one whose includes this reads last (real paths). */
    private final List<Path> reading;

    private StudyIncluder(Path folder, List<Path> reading) {
        this.folder = folder;
        this.reading = reading;
    }

    /** The parse options of a study file: HOCON, the file must exist, includes read as above. */
    static ConfigParseOptions options(Path studyFile) {
        return optionsIn(studyFile.toAbsolutePath().getParent(), List.of(real(studyFile)));
    }

    private static ConfigParseOptions optionsIn(Path folder, List<Path> reading) {
        return ConfigParseOptions.defaults().setAllowMissing(false).setIncluder(new StudyIncluder(folder, reading));
    }

    /** A file's real path (links followed), so that a cycle through a link is found too; its absolute path if it has none. */
    private static Path real(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this; // no fallback: nothing but files next to the study
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return includeFile(context, new File(what));
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        if (what.isAbsolute()) {
            throw new ConfigException.Generic("include \"" + what + "\" is refused: an include is a path relative to the including"
                    + " file's folder, so that a study means the same wherever it is copied");
        }
        Path file = folder.resolve(what.toPath()).normalize();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException.Generic("include \"" + what + "\": " + file + (Files.exists(file) ? " is not a regular file"
                    : " does not exist") + "; includes are files relative to the including file's folder, and must exist");
        }
        Path real = real(file);
        int first = reading.indexOf(real);
        if (first >= 0) {
            List<String> cycle = new ArrayList<>();
            reading.subList(first, reading.size()).forEach(p -> cycle.add(p.getFileName().toString()));
            cycle.add(real.getFileName().toString());
            throw new ConfigException.Generic("include \"" + what + "\": " + file + " is already being read (" + String.join(" -> ", cycle)
                    + "); a file must not include itself, directly or through other files");
        }
        List<Path> next = new ArrayList<>(reading);
        next.add(real);
        return ConfigFactory.parseFile(file.toFile(), optionsIn(file.getParent(), List.copyOf(next))).root();
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        throw new ConfigException.Generic("include url(\"" + what + "\") is refused: a study is read without network requests;"
                + " copy the file next to the study and include it by name");
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        throw new ConfigException.Generic("include classpath(\"" + what + "\") is refused: includes are files next to the study");
    }
}
