// The diffusion model's kernel module (build/diffusion-*.wasm): the GEMM core, 3 x 3 convolutions, the
// U-Net's layers, Adam and the f32 noise source. Pointers are byte offsets into linear memory handed out
// by the host (src/diffusion/memory.ts) from heapBase() on. The host composes layers into networks.
import { gauss, rngLoad, rngStore } from "../rng";

export { gemmNN, gemmNT, gemmTN } from "./gemm";
export { col2im, conv3x3Backward, conv3x3Forward, im2col, transposeF32 } from "./conv";
export {
  adamEmaStep, addChannel, addInto, addRowBias, avgPool2, avgPool2Backward, colSums, groupNormBackward,
  groupNormForward, rowSums, siluBackward, siluForward, squaredError, timeEmbedding, upsample2,
  upsample2Backward,
} from "./layers";
export { fillUniform, seedStream } from "../rng";

/** n standard normals rounded to f32 from the stream at rngPtr. */
export function fillGaussF32(rngPtr: usize, ptr: usize, n: i32): void {
  rngLoad(rngPtr);
  for (let i = 0; i < n; i++) store<f32>(ptr + (<usize>i << 2), <f32>gauss());
  rngStore(rngPtr);
}

/** The 128-bit peak probe: iters rounds of 8 independent f32x4 multiply-then-add chains (no FMA), 64
 * flops per round. Returns a lane sum so the work cannot be removed. */
export function peakMulAdd(iters: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const m = f32x4.splat(0.999999);
    const a = f32x4.splat(1e-7);
    let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
    let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
    for (let i = 0; i < iters; i++) {
      c0 = f32x4.add(f32x4.mul(c0, m), a);
      c1 = f32x4.add(f32x4.mul(c1, m), a);
      c2 = f32x4.add(f32x4.mul(c2, m), a);
      c3 = f32x4.add(f32x4.mul(c3, m), a);
      c4 = f32x4.add(f32x4.mul(c4, m), a);
      c5 = f32x4.add(f32x4.mul(c5, m), a);
      c6 = f32x4.add(f32x4.mul(c6, m), a);
      c7 = f32x4.add(f32x4.mul(c7, m), a);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
    return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  }
  return 0;
}

/** First byte free for the host (16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** 1 in the SIMD build, 0 in the scalar build. */
export function isSimd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
