// The images experiment's kernel module (build/images-*.wasm): a minibatch denoiser trainer on real
// data and the dense helpers of its Gaussian references. Pointers are byte offsets into linear memory
// laid out by the host (src/experiments/images/layout.ts), which starts at heapBase().

export { configure, gradientAt, initParams, paramCount, predict, train } from "./net";
export { gemmNT, syrkUpper } from "./linalg";
export { fillGauss, fillUniform, seedStream } from "../rng";

/** First byte free for the host (16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** 1 in the SIMD build, 0 in the scalar build. */
export function isSimd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
