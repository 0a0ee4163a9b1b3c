/**
 * Tokenizers: the {@link io.interp4j.api.tokenizer.Tokenizer} contract, Hugging Face's {@code
 * tokenizer.json} read through the native tokenizers library with truncation off, and the byte-level
 * BPE tokenizer the project's own test models ship.
 *
 * @since 0.1
 */
package io.interp4j.api.tokenizer;
