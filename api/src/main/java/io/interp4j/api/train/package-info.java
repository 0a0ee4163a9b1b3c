/**
 * Training LoRA adapters: the options (PEFT's and Hugging Face Trainer's knobs), examples whose loss
 * counts only answer tokens, and the {@link io.interp4j.api.train.LoraTrainer} an engine may offer.
 *
 * @since 0.1
 */
package io.interp4j.api.train;
