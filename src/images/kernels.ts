/**
 * Loading the images experiment's kernels (build/images-simd.wasm or build/images-scalar.wasm, from
 * assembly/images/index.ts): the SIMD build where the host supports it, the scalar build otherwise.
 */
import type { ImagesExports } from "../engine/kernel-exports.js";
import { cachedKernelLoader } from "../engine/kernels.js";

export type { ImagesExports };

/** Compiles build/images-<flavour>.wasm once per process; `flavour` defaults to SIMD where supported. */
export const loadImagesKernels = cachedKernelLoader<ImagesExports>(
  (flavour) => new URL(`../../build/images-${flavour}.wasm`, import.meta.url),
);
