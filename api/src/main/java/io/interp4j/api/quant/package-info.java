/**
 * Weight-only quantisation: int8 (blockwise absmax, the layout of ONNX Runtime's {@code
 * MatMulNBits}) and NF4 (bitsandbytes' blockwise 4-bit NormalFloat, block 64, no double
 * quantisation), with the exact dequantisation every engine must agree on and the reconstruction
 * error a report states.
 *
 * @since 0.1
 */
package io.interp4j.api.quant;
