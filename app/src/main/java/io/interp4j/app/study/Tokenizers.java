package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.api.tokenizer.HfTokenizer;
import io.interp4j.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A study model's tokenizer read without its weights. */
final class Tokenizers {
    private Tokenizers() {}

    /**
     * Reads the tokenizer of a study model: its directory's {@code tokenizer.json}, or, for a model the
     * study creates and has not yet written, the byte-level tokenizer its recipe will write (a
     * deterministic function of the vocabulary size, see {@link io.interp4j.api.checkpoint.RandomCheckpoint}).
     */
    static Tokenizer read(StudyPlan.ModelSpec spec) {
        Path file = spec.path().resolve(Checkpoint.TOKENIZER_FILE);
        if (Files.isRegularFile(file)) {
            return HfTokenizer.load(file);
        }
        if (spec.create().isPresent() && !Files.exists(spec.path())) {
            ByteLevelBpe bpe = ByteLevelBpe.train(Math.min(spec.config().vocabSize(), ByteLevelBpe.MAX_VOCAB));
            try {
                Path temporary = Files.createTempFile("interp4j-tokenizer", ".json");
                try {
                    Files.writeString(temporary, bpe.toJson());
                    return HfTokenizer.load(temporary);
                } finally {
                    Files.deleteIfExists(temporary);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "study model '" + spec.name() + "' (" + spec.path()
                + ") has no tokenizer.json; steps that encode prompts as text need one");
    }
}
