package io.interp4j.api.lens;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.HfTokenizer;
import io.interp4j.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * A loaded model with TransformerLens' everyday verbs: {@link #load(Path)} in one line, text to tokens
 * and back ({@link #toTokens}, {@link #toStrTokens}), the checkpoint's weights ({@link #weights()}), and
 * {@link #session()}, the try-with-resources scope of hooks and results in which forwards, caches,
 * patches and generation happen.
 *
 * <pre>{@code
 * try (HookedModel model = HookedModel.load(Path.of("models/toy-s"));
 *      Session session = model.session()) {
 *     ForwardResult run = session.runWithCache("The capital of France is", "blocks.0.hook_resid_post");
 * }
 * }</pre>
 *
 * @since 0.3
 */
@Experimental
public final class HookedModel implements AutoCloseable {
    /** The engine {@link #load(Path)} uses. */
    public static final String DEFAULT_ENGINE = "djl";

    private final Model model;
    private final Tokenizer tokenizer;
    private final HfTokenizer ownTokenizer;
    private Weights weights;

    private HookedModel(Model model, HfTokenizer ownTokenizer) {
        this.model = model;
        this.ownTokenizer = ownTokenizer;
        this.tokenizer = ownTokenizer != null ? ownTokenizer : model.tokenizer().orElse(null);
    }

    /**
     * Loads a Hugging Face model directory with the {@value #DEFAULT_ENGINE} engine and its own
     * {@code tokenizer.json}.
     *
     * @param directory the model directory
     * @return the model, to be closed
     */
    public static HookedModel load(Path directory) {
        return loader(directory).load();
    }

    /**
     * Loads a model directory with an engine chosen by id.
     *
     * @param directory the model directory
     * @param engine an engine id, e.g. {@code djl} or {@code onnx}
     * @return the model, to be closed
     */
    public static HookedModel load(Path directory, String engine) {
        return loader(directory).engine(engine).load();
    }

    /**
     * Starts a load with more choices: the engine, a tokenizer file other than the directory's, an
     * adapter or quantisation.
     *
     * @param directory the model directory
     * @return the loader
     */
    public static Loader loader(Path directory) {
        return new Loader(requireNonNull(directory, "directory is null"), DEFAULT_ENGINE, null, LoadOptions.defaults());
    }

    /**
     * Wraps a model loaded by other means; the wrapper owns it from now on and closes it.
     *
     * @param model the model
     * @return the wrapper
     */
    public static HookedModel of(Model model) {
        return new HookedModel(requireNonNull(model, "model is null"), null);
    }

    /**
     * What to load: a directory, an engine id, optionally a tokenizer file and load options.
     *
     * @param directory the model directory
     * @param engine the engine id
     * @param tokenizerFile a {@code tokenizer.json} to use instead of the directory's, or {@code null}
     * @param options adapter and quantisation
     */
    public record Loader(Path directory, String engine, Path tokenizerFile, LoadOptions options) {
        /** Checks the fields. */
        public Loader {
            requireNonNull(directory, "directory is null");
            requireNonNull(engine, "engine is null");
            requireNonNull(options, "options is null");
        }

        /**
         * Chooses the engine.
         *
         * @param id an engine id
         * @return the loader
         */
        public Loader engine(String id) {
            return new Loader(directory, id, tokenizerFile, options);
        }

        /**
         * Chooses a tokenizer file other than the directory's {@code tokenizer.json}.
         *
         * @param file the file
         * @return the loader
         */
        public Loader tokenizer(Path file) {
            return new Loader(directory, engine, requireNonNull(file, "file is null"), options);
        }

        /**
         * Chooses load options (an adapter, quantisation).
         *
         * @param chosen the options
         * @return the loader
         */
        public Loader options(LoadOptions chosen) {
            return new Loader(directory, engine, tokenizerFile, chosen);
        }

        /**
         * Loads the model.
         *
         * @return the model, to be closed
         * @throws Interp4jException for an unknown engine id (listing the known ones) or a bad checkpoint
         */
        public HookedModel load() {
            EngineProvider provider = provider(engine);
            HfTokenizer own = tokenizerFile == null ? null : HfTokenizer.load(tokenizerFile);
            try {
                return new HookedModel(provider.load(Checkpoint.open(directory), options), own);
            } catch (RuntimeException e) {
                if (own != null) {
                    own.close();
                }
                throw e;
            }
        }
    }

    /**
     * Finds an engine by id among those {@link ServiceLoader} sees.
     *
     * @param id the engine id
     * @return the engine
     * @throws Interp4jException naming the id and the known ones when none matches
     */
    public static EngineProvider provider(String id) {
        List<EngineProvider> found = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(found::add);
        return found.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow(() -> new Interp4jException(
                ErrorCode.INVALID_ARGUMENT, "unknown engine '" + id + "'; known: "
                        + new TreeSet<>(found.stream().map(EngineProvider::id).toList())
                        + (found.isEmpty() ? " (none: add interp4j-engine-djl or interp4j-engine-onnx to the class or module path)" : "")));
    }

    /**
     * Returns the underlying model, for everything the facade does not say.
     *
     * @return the model
     */
    public Model model() {
        return model;
    }

    /**
     * Returns the architecture.
     *
     * @return the config
     */
    public ModelConfig config() {
        return model.config();
    }

    /**
     * Returns the tokenizer: the one given to the loader, else the directory's.
     *
     * @return the tokenizer
     * @throws Interp4jException when there is none
     */
    public Tokenizer tokenizer() {
        if (tokenizer == null) {
            return model.requireTokenizer();
        }
        return tokenizer;
    }

    /**
     * Encodes raw text (no BOS, no chat template; special tokens written in the text, such as
     * {@code <|endoftext|>}, become those tokens, as Hugging Face's tokenizers do).
     *
     * @param text the text
     * @return the token ids
     */
    public int[] toTokens(String text) {
        int[] ids = tokenizer().encode(requireNonNull(text, "text is null"));
        if (ids.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the text '" + text + "' encodes to no tokens; give a non-empty prompt");
        }
        return ids;
    }

    /**
     * Returns each token of a text as its own string (TransformerLens' {@code to_str_tokens}).
     *
     * @param text the text
     * @return one string per token
     */
    public List<String> toStrTokens(String text) {
        return toStrTokens(toTokens(text));
    }

    /**
     * Decodes each token id on its own. A token that holds part of a multi-byte character decodes to
     * the replacement character, as in TransformerLens.
     *
     * @param ids the token ids
     * @return one string per token
     */
    public List<String> toStrTokens(int... ids) {
        Tokenizer tok = tokenizer();
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkToken(id);
            out.add(tok.decode(new int[] {id}));
        }
        return out;
    }

    /**
     * Decodes token ids to text.
     *
     * @param ids the token ids
     * @return the text
     */
    public String toText(int... ids) {
        for (int id : ids) {
            checkToken(id);
        }
        return tokenizer().decode(ids);
    }

    private void checkToken(int id) {
        if (id < 0 || id >= config().vocabSize()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + id + " is out of range; allowed 0.." + (config().vocabSize() - 1));
        }
    }

    /**
     * Returns the checkpoint's weights, opened on first use and closed with this model.
     *
     * @return the weights
     * @throws Interp4jException when the model merged an adapter or quantised its weights (its weights
     *     then differ from the checkpoint's)
     */
    public synchronized Weights weights() {
        if (model.adapter().isPresent() || model.quantization().isPresent()) {
            throw new Interp4jException(ErrorCode.UNSUPPORTED, model.directory() + ": weights() reads the checkpoint, but this model "
                    + (model.adapter().isPresent() ? "merged the adapter " + model.adapter().get() : "quantised its weights")
                    + "; load the base model without them to read its weights");
        }
        if (weights == null) {
            weights = new Weights(Checkpoint.open(model.directory()));
        }
        return weights;
    }

    /**
     * Opens a session: the scope of hooks and of every array its calls return.
     *
     * @return the session, to be closed
     */
    public Session session() {
        return new Session(this);
    }

    /**
     * Returns whether text can be encoded and decoded.
     *
     * @return whether a tokenizer is there
     */
    boolean hasTokenizer() {
        return tokenizer != null;
    }

    /**
     * Returns the eos token that ends generation, if the config names one.
     *
     * @return the id
     */
    Optional<Integer> eos() {
        return config().eosTokenId().isPresent() ? Optional.of(config().eosTokenId().getAsInt()) : Optional.empty();
    }

    /** Closes the weights, the tokenizer given to the loader, and the model. */
    @Override
    public synchronized void close() {
        try {
            if (weights != null) {
                weights.close();
            }
            if (ownTokenizer != null) {
                ownTokenizer.close();
            }
        } finally {
            model.close();
        }
    }
}
