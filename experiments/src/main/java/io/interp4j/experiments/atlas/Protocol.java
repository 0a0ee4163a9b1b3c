package io.interp4j.experiments.atlas;

import java.util.Locale;
import java.util.Optional;

/**
 * The two readings of every atlas row (../shared/STUDY.md): the original study's semantics, artefacts
 * included, and the sound version run beside it.
 */
public enum Protocol {
    /** The original ("published") semantics exactly. */
    PUBLISHED,
    /** The sound ("corrected") semantics. */
    CORRECTED;

    /**
     * Returns the name used in config and tables.
     *
     * @return {@code published} or {@code corrected}
     */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a config name.
     *
     * @param text {@code published} or {@code corrected}
     * @return the protocol, empty if unknown
     */
    public static Optional<Protocol> parse(String text) {
        for (Protocol p : values()) {
            if (p.configName().equals(text)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
