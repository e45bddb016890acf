/**
 * Loading the diffusion model's kernels (build/diffusion-simd.wasm or build/diffusion-scalar.wasm, from
 * assembly/diffusion/index.ts): the SIMD build where the host supports it, the scalar build otherwise.
 * Both builds give bit-identical results (assembly/diffusion/gemm.ts says why).
 */
import { cachedKernelLoader } from "../engine/kernels.js";

/** The raw exports of build/diffusion-*.wasm. Pointers are byte offsets into `memory`; tensors are f32. */
export interface DiffusionExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  isSimd(): number;
  gemmNN(M: number, N: number, K: number, a: number, b: number, c: number, acc: number): void;
  gemmTN(M: number, N: number, K: number, a: number, b: number, c: number, acc: number): void;
  gemmNT(M: number, N: number, K: number, a: number, b: number, c: number, acc: number): void;
  im2col(x: number, C: number, H: number, W: number, col: number): void;
  transposeF32(a: number, R: number, P: number, t: number): void;
  col2im(col: number, C: number, H: number, W: number, dx: number): void;
  conv3x3Forward(
    x: number,
    w: number,
    b: number,
    y: number,
    N: number,
    Cin: number,
    Cout: number,
    H: number,
    W: number,
    col: number,
  ): void;
  conv3x3Backward(
    x: number,
    w: number,
    dy: number,
    dx: number,
    dw: number,
    db: number,
    N: number,
    Cin: number,
    Cout: number,
    H: number,
    W: number,
    col: number,
    colT: number,
  ): void;
  groupNormForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    stats: number,
    N: number,
    C: number,
    HW: number,
    G: number,
    eps: number,
  ): void;
  groupNormBackward(
    x: number,
    gamma: number,
    dy: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    stats: number,
    N: number,
    C: number,
    HW: number,
    G: number,
  ): void;
  siluForward(x: number, y: number, sig: number, n: number): void;
  siluBackward(x: number, sig: number, dy: number, dx: number, n: number): void;
  addChannel(y: number, v: number, N: number, C: number, HW: number): void;
  rowSums(dy: number, out: number, rows: number, HW: number, acc: number): void;
  addRowBias(y: number, b: number, N: number, M: number): void;
  colSums(dy: number, db: number, N: number, M: number): void;
  addInto(y: number, a: number, b: number, n: number): void;
  avgPool2(x: number, y: number, NC: number, H: number, W: number): void;
  avgPool2Backward(dy: number, dx: number, NC: number, H: number, W: number): void;
  upsample2(x: number, y: number, NC: number, h: number, w: number): void;
  upsample2Backward(dy: number, dx: number, NC: number, h: number, w: number): void;
  timeEmbedding(t: number, N: number, dim: number, out: number): void;
  adamEmaStep(
    p: number,
    g: number,
    m: number,
    v: number,
    e: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    c1: number,
    c2: number,
    decay: number,
  ): void;
  squaredError(out: number, target: number, grad: number, n: number, scale: number): number;
  seedStream(ptr: number, seedHi: number, seedLo: number, stream: number, walker: number): void;
  fillUniform(rng: number, ptr: number, n: number): void;
  fillGaussF32(rng: number, ptr: number, n: number): void;
  peakMulAdd(iters: number): number;
}

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
