/**
 * Loading the WASM kernels in Node and in browsers. The SIMD build is used where the host validates a
 * tiny SIMD module (the pattern of TensorFlow.js's WASM backend); otherwise the scalar build, which is
 * also the reference in tests.
 */

import { instantiate } from "@assemblyscript/loader";
import { describeKernelSourceError } from "./guards.js";
import type { KernelExports } from "./kernel-exports.js";

/** The raw exports of build/mcm-*.wasm, as the compiler declares them (generated at build time). */
export type { KernelExports };

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
  return compileKernels(source, options, (module) => checkMcmModule(module, source));
}

/** The other builds of this project, known by an export only they have. */
const OTHER_BUILDS = [
  { name: "the image diffusion model's kernels (build/diffusion-*.wasm)", marker: "conv3x3Forward" },
  { name: "the images experiment's kernels (build/images-*.wasm)", marker: "initParams" },
];

/** The MCM kernels' module, or an error naming what was given instead (the images or diffusion build
 * compiled and loaded, then failed on the first missing export). */
function checkMcmModule(module: WebAssembly.Module, source: unknown): void {
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (names.has("runReduced") && names.has("initWalker")) return;
  const other = OTHER_BUILDS.find((b) => names.has(b.marker));
  const what = other
    ? other.name
    : `a WebAssembly module without the MCM's exports (it exports ${[...names].slice(0, 6).join(", ") || "nothing"})`;
  const from = source instanceof WebAssembly.Module ? "the given module" : JSON.stringify(String(source));
  throw new Error(
    `loadKernels: ${from} is ${what}, not the MCM's; expected build/mcm-simd.wasm or build/mcm-scalar.wasm`,
  );
}

/** Compiles a kernel module of any of this project's builds (the MCM's, the images', the diffusion's). */
async function compileKernels(
  source: KernelSource | undefined,
  options: { flavour?: KernelFlavour },
  check?: (module: WebAssembly.Module) => void,
): Promise<Kernels> {
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
  check?.(module);
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
      hit = compileKernels(urlOf(wanted), { flavour: wanted }).then((k) => ({
        flavour: k.flavour,
        buildHash: k.buildHash,
        instantiate: async () => (await k.instantiate()) as unknown as E,
      }));
      cache.set(wanted, hit);
    }
    return hit;
  };
}
