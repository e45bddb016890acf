/**
 * Loading the images experiment's kernels (build/images-simd.wasm or build/images-scalar.wasm, from
 * assembly/images/index.ts): the SIMD build where the host supports it, the scalar build otherwise.
 */
import { type KernelFlavour, loadKernels, simdSupported } from "../../engine/kernels.js";

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

export interface ImagesKernels {
  readonly flavour: KernelFlavour;
  readonly buildHash: string;
  instantiate(): Promise<ImagesExports>;
}

const cache = new Map<KernelFlavour, Promise<ImagesKernels>>();

/** Compiles build/images-<flavour>.wasm once per process; `flavour` defaults to SIMD where supported. */
export function loadImagesKernels(flavour?: KernelFlavour): Promise<ImagesKernels> {
  const wanted: KernelFlavour = flavour ?? (simdSupported() ? "simd" : "scalar");
  let hit = cache.get(wanted);
  if (!hit) {
    hit = loadKernels(new URL(`../../../build/images-${wanted}.wasm`, import.meta.url), { flavour: wanted }).then(
      (k) => ({
        flavour: k.flavour,
        buildHash: k.buildHash,
        instantiate: async () => (await k.instantiate()) as unknown as ImagesExports,
      }),
    );
    cache.set(wanted, hit);
  }
  return hit;
}
