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
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a study file's {@code include}s are read: {@code include "x.conf"} and {@code include
 * file("x.conf")} are files relative to the folder of the file that includes them (the study file
 * for its own includes), never the class path or the working directory; a missing one is an error;
 * an absolute path, {@code url(...)} and {@code classpath(...)} are refused, so reading a study never
 * makes a network request and reads only files named relative to it.
 */
final class StudyIncluder implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    private final Path folder;

    private StudyIncluder(Path folder) {
        this.folder = folder;
    }

    /** The parse options of a study file: HOCON, the file must exist, includes read as above. */
    static ConfigParseOptions options(Path studyFile) {
        return optionsIn(studyFile.toAbsolutePath().getParent());
    }

    private static ConfigParseOptions optionsIn(Path folder) {
        return ConfigParseOptions.defaults().setAllowMissing(false).setIncluder(new StudyIncluder(folder));
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
        return ConfigFactory.parseFile(file.toFile(), optionsIn(file.getParent())).root();
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
