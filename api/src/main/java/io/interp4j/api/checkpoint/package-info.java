/**
 * Hugging Face checkpoint reading and writing: a strict, memory-mapped safetensors reader, single and
 * sharded checkpoints, the Qwen2 tensor layout, and the random test checkpoints the project writes
 * itself. Pickle checkpoints are refused, never executed.
 *
 * @since 0.1
 */
package io.interp4j.api.checkpoint;
