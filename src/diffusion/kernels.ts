/**
 * Loading the diffusion model's kernels (build/diffusion-simd.wasm or build/diffusion-scalar.wasm, from
 * assembly/diffusion/index.ts): the SIMD build where the host supports it, the scalar build otherwise.
 * Both builds give bit-identical results (assembly/diffusion/gemm.ts says why).
 */
import type { DiffusionExports } from "../engine/kernel-exports.js";
import { cachedKernelLoader } from "../engine/kernels.js";

export type { DiffusionExports };

/** Compiles build/diffusion-<flavour>.wasm once per process; `flavour` defaults to SIMD where supported. */
export const loadDiffusionKernels = cachedKernelLoader<DiffusionExports>(
  (flavour) => new URL(`../../build/diffusion-${flavour}.wasm`, import.meta.url),
);

/**
 * A bump allocator over one kernel instance's memory: tensors are reserved while a network is built,
 * then finalize() grows the memory once, so typed views stay valid for the instance's life.
 */
export class Heap {
  readonly k: DiffusionExports;
  private top: number;
  private view: Float32Array | null = null;

  constructor(k: DiffusionExports) {
    this.k = k;
    this.top = k.heapBase();
  }

  /** Reserves n floats (16-byte aligned); returns the byte offset. */
  alloc(n: number): number {
    const p = this.top;
    this.top = Math.ceil((p + 4 * Math.max(n, 1)) / 16) * 16;
    return p;
  }

  /** Bytes reserved so far. */
  get end(): number {
    return this.top;
  }

  /** Grows the memory to hold everything reserved. */
  finalize(): void {
    const have = this.k.memory.buffer.byteLength;
    if (this.top > have) this.k.memory.grow(Math.ceil((this.top - have) / 65536));
    this.view = null;
  }

  /** A live f32 view of n floats at byte offset p. */
  f32(p: number, n: number): Float32Array {
    if (!this.view || this.view.buffer !== this.k.memory.buffer) this.view = new Float32Array(this.k.memory.buffer);
    return this.view.subarray(p / 4, p / 4 + n);
  }
}
