/**
 * Loading the WASM kernels in Node and in browsers. The SIMD build is used where the host validates a
 * tiny SIMD module (the pattern of TensorFlow.js's WASM backend); otherwise the scalar build, which is
 * also the reference in tests.
 */

import { instantiate } from "@assemblyscript/loader";
import { describeKernelSourceError } from "./guards.js";

/** The raw exports of build/mcm-*.wasm (assembly/index.ts). Pointers are byte offsets. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  configure(params: number): void;
  seedStream(ptr: number, seedHi: number, seedLo: number, stream: number, walker: number): void;
  fillGauss(rng: number, ptr: number, n: number): void;
  fillUniform(rng: number, ptr: number, n: number): void;
  sampleBatch(rng: number, out: number, lat: number, n: number): void;
  sampleNoised(rng: number, outX0: number, outXt: number, outLat: number, n: number): void;
  initSpikes(rng: number, basis: number): void;
  initWalker(walker: number, rng: number, a0: number, b0: number): void;
  forward(walker: number): number;
  gradient(walker: number, out: number): void;
  update(walker: number): number;
  run(walker: number, steps: number): number;
  /** The unfused reference of run() (sampleX0, noise, forward, update per step); equal to rounding. */
  runUnfused(walker: number, steps: number): number;
  /** a . b over n doubles (the benchmark's kernel). */
  dot(a: number, b: number, n: number): number;
  /** y += alpha x over n doubles (the benchmark's kernel). */
  axpy(y: number, alpha: number, x: number, n: number): void;
  evalLoss(walker: number, n: number): number;
  activationAt(code: number, h: number): number;
  lastDerivative(): number;
  erf(x: number): number;
  normCdf(x: number): number;
  normQuantile(p: number): number;
  /** tanh to 2 ulp (the activation code 0 uses it). */
  tanhOf(x: number): number;
  isSimd(): number;
  // Formula activations (assembly/table.ts): the bytecode evaluator, the table builder, the table in use.
  exprAt(prog: number, len: number, x: number): number;
  tableBuild(
    g: number,
    gLen: number,
    g1: number,
    g1Len: number,
    g2: number,
    g2Len: number,
    lo: number,
    dx: number,
    n: number,
    out: number,
  ): number;
  tableUse(ptr: number, n: number, lo: number, invDx: number): void;
  // The oracle denoiser and the reverse-time sampler (assembly/oracle.ts, assembly/sample.ts).
  oracleLevel(alpha: number, sigma: number): void;
  oracleSpan(yu: number, yv: number): number;
  oracleLastV(): number;
  oracleDenoise(xt: number, out: number): void;
  oracleMse(rng: number, alpha: number, sigma: number, n: number, r: number): number;
  generate(
    rng: number,
    n: number,
    grid: number,
    levels: number,
    ddpm: number,
    family: number,
    w: number,
    a: number,
    b: number,
    out: number,
  ): void;
  // The reduced backend (assembly/reduced/).
  reducedScratchDoubles(K: number, q: number): number;
  configureReduced(q: number, gram: number, scratch: number): void;
  initReducedWalker(walker: number, rng: number, a0: number, b0: number): void;
  runReduced(walker: number, steps: number): number;
  runReducedGeneral(walker: number, steps: number): number;
  /** Two K = 1 walkers in the lanes of f64x2 (SIMD build): the steps done, bit-identical to runReduced. */
  runReducedPair(w0: number, w1: number, steps: number): number;
  /** Up to groupPairs() pairs of K = 1 walkers, listed as i32 at groupList(), their draws made a block of
   * steps ahead (SIMD build): the steps done, each walker bit-identical to runReduced. */
  runReducedGroup(pairs: number, steps: number): number;
  groupList(): number;
  groupPairs(): number;
  evalLossReduced(walker: number, n: number): number;
  reducedNorms(rng: number, out: number, n: number): void;
  fillChiSquare(rng: number, out: number, n: number, dof: number): void;
}

export type KernelFlavour = "simd" | "scalar";

/** What loadKernels accepts as the WASM source. */
export type KernelSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response;

export interface Kernels {
  /** Which build this is. */
  readonly flavour: KernelFlavour;
  /** The compiled module: instantiate() makes a fresh instance (its own memory) per simulation. */
  readonly module: WebAssembly.Module;
  /** A short hash of the WASM bytes, recorded in outputs and checkpoints. */
  readonly buildHash: string;
  instantiate(): Promise<KernelExports>;
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11,
]);

/** True when this host's WebAssembly accepts SIMD (v128) code. */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** FNV-1a 64-bit of the bytes, as 16 hex digits: a build fingerprint, not a security hash. */
export function fingerprint(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < bytes.length; i++) {
    h = ((h ^ BigInt(bytes[i])) * prime) & mask;
  }
  return h.toString(16).padStart(16, "0");
}

function defaultUrl(flavour: KernelFlavour): URL {
  return new URL(`../../build/mcm-${flavour}.wasm`, import.meta.url);
}

async function readBytes(source: string | URL | ArrayBuffer | ArrayBufferView | Response): Promise<Uint8Array> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Response !== "undefined" && source instanceof Response) return new Uint8Array(await source.arrayBuffer());
  // A string is a URL, relative to the page in a browser; in Node a string that is not a URL is a file path.
  const base =
    typeof location !== "undefined"
      ? location.href
      : typeof process !== "undefined" && !URL.canParse(String(source))
        ? `file://${process.cwd()}/`
        : undefined;
  const url = source instanceof URL ? source : new URL(String(source), base);
  if (url.protocol === "file:") {
    // Node only: the browser path never reaches this import. The specifier is a variable, marked for
    // bundlers to leave alone, so that web builds neither resolve nor stub a Node built-in.
    const fsModule = "node:fs/promises";
    const fs: typeof import("node:fs/promises") = await import(/* @vite-ignore */ /* webpackIgnore: true */ fsModule);
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadKernels: fetching ${url} failed with HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Compiles the kernels. With no source, loads build/mcm-simd.wasm where SIMD is supported and
 * build/mcm-scalar.wasm otherwise; `flavour` forces one. A given source is used as it is.
 */
export async function loadKernels(source?: KernelSource, options: { flavour?: KernelFlavour } = {}): Promise<Kernels> {
  const wanted: KernelFlavour = options.flavour ?? (simdSupported() ? "simd" : "scalar");
  if (wanted === "simd" && !simdSupported()) {
    throw new Error("loadKernels: the SIMD build was requested but this host's WebAssembly has no SIMD support");
  }
  let module: WebAssembly.Module;
  let buildHash = "module";
  if (source instanceof WebAssembly.Module) module = source;
  else {
    const from = (source as Exclude<KernelSource, WebAssembly.Module> | undefined) ?? defaultUrl(wanted);
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(from);
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw describeKernelSourceError(from, e);
    }
    buildHash = fingerprint(bytes);
  }
  const make = async () => (await instantiate<Record<string, unknown>>(module, {})).exports as unknown as KernelExports;
  // The module says which build it is; a given source may be either.
  const flavour: KernelFlavour = (await make()).isSimd() ? "simd" : "scalar";
  return { flavour, module, buildHash, instantiate: make };
}

/** A kernel module other than the MCM's (images, diffusion), its exports typed as E. */
export interface TypedKernels<E> {
  readonly flavour: KernelFlavour;
  readonly buildHash: string;
  instantiate(): Promise<E>;
}

/** A loader that compiles the module at urlOf(flavour) once per process and flavour; the flavour defaults
 * to SIMD where the host supports it. */
export function cachedKernelLoader<E>(urlOf: (flavour: KernelFlavour) => URL) {
  const cache = new Map<KernelFlavour, Promise<TypedKernels<E>>>();
  return (flavour?: KernelFlavour): Promise<TypedKernels<E>> => {
    const wanted: KernelFlavour = flavour ?? (simdSupported() ? "simd" : "scalar");
    let hit = cache.get(wanted);
    if (!hit) {
      hit = loadKernels(urlOf(wanted), { flavour: wanted }).then((k) => ({
        flavour: k.flavour,
        buildHash: k.buildHash,
        instantiate: async () => (await k.instantiate()) as unknown as E,
      }));
      cache.set(wanted, hit);
    }
    return hit;
  };
}
