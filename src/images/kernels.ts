/**
 * Loading the images experiment's kernels (build/images-simd.wasm or build/images-scalar.wasm, from
 * assembly/images/index.ts): the SIMD build where the host supports it, the scalar build otherwise.
 */
import { cachedKernelLoader, type TypedKernels } from "../engine/kernels.js";

/** The raw exports of build/images-*.wasm. Pointers are byte offsets into `memory`. */
export interface ImagesExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  isSimd(): number;
  configure(params: number): void;
  paramCount(d: number, K: number): number;
  initParams(rng: number, wScale: number, vScale: number, b0: number): void;
  /** Runs minibatch steps; returns the running loss sum (state). */
  train(steps: number): number;
  predict(xt: number, out: number, n: number): void;
  gradientAt(): number;
  syrkUpper(x: number, n: number, d: number, out: number): void;
  gemmNT(x: number, n: number, m: number, rows: number, d: number, out: number): void;
  seedStream(ptr: number, seedHi: number, seedLo: number, stream: number, walker: number): void;
  fillGauss(rng: number, ptr: number, n: number): void;
  fillUniform(rng: number, ptr: number, n: number): void;
}

export type ImagesKernels = TypedKernels<ImagesExports>;

/** Compiles build/images-<flavour>.wasm once per process; `flavour` defaults to SIMD where supported. */
export const loadImagesKernels = cachedKernelLoader<ImagesExports>(
  (flavour) => new URL(`../../build/images-${flavour}.wasm`, import.meta.url),
);
