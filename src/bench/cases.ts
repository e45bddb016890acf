/**
 * The benchmark's set-up phase (./index.ts): the implementations opened side by side (both WASM builds,
 * the native C binary where gcc exists) and the table of cases, one per (row, implementation): Gaussian
 * generation, dot and axpy, the full SGD step, and the reduced backend's step. A case only measures when
 * called; ./measure.ts calibrates and times them.
 */
import { type KernelExports, loadKernels, simdSupported } from "../engine/kernels.js";
import { createSimulation } from "../engine/simulation.js";
import { compileNative, type NativeBinary } from "./native.js";
import { PlainStep, axpy as tsAxpy, dot as tsDot, fillGauss as tsFillGauss, Xoshiro256 } from "./plain.js";
import type { BenchRow, Case, Impl, Timing } from "./types.js";

export const CHUNK = 4096;
export const KERNEL_SIZES = [1e3, 1e4, 1e5];
export const STEP_SIZES = [100, 1000, 10000];
export const STEP_UNITS = [1, 4];

/** CPU and wall seconds of one call of `fn`. */
export function timeJs(fn: () => void): Timing {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - w0) / 1e3, cpu: (c.user + c.system) / 1e6 };
}

/** A kernel instance with room for the kernel benchmarks: two vectors of 1e5 and a gauss buffer. */
async function kernelInstance(flavour: "simd" | "scalar") {
  const kernels = await loadKernels(undefined, { flavour });
  const ex: KernelExports = await kernels.instantiate();
  const base = (ex.heapBase() + 63) & ~63;
  const need = base + 64 + 8 * (2 * 1e5 + CHUNK) + 64;
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / 65536));
  const rng = base;
  const x = base + 64;
  const y = x + 8 * 1e5;
  const buf = y + 8 * 1e5;
  ex.seedStream(rng, 0, 1, 4, 0);
  ex.fillGauss(rng, x, 1e5);
  ex.fillGauss(rng, y, 1e5);
  return { kernels, ex, rng, x, y, buf };
}

type KernelInstance = Awaited<ReturnType<typeof kernelInstance>>;

/** The implementations a run compares: the WASM builds this host runs, the native binary, and why any
 * is missing. */
export interface Implementations {
  wasm: Partial<Record<"simd" | "scalar", KernelInstance>>;
  native: NativeBinary | null;
  skipped: Partial<Record<Impl, string>>;
}

/** Opens the implementations (compiles the native step unless `native` is false). */
export async function openImplementations(native: boolean | undefined): Promise<Implementations> {
  const skipped: Partial<Record<Impl, string>> = {};
  const wasm: Implementations["wasm"] = {};
  if (simdSupported()) wasm.simd = await kernelInstance("simd");
  else skipped.simd = "this host's WebAssembly has no SIMD";
  wasm.scalar = await kernelInstance("scalar");
  let binary: NativeBinary | null = null;
  if (native === false) skipped.c = "native C disabled by option";
  else {
    const compiled = compileNative();
    if ("skipped" in compiled) skipped.c = compiled.skipped;
    else binary = compiled;
  }
  return { wasm, native: binary, skipped };
}

/** The rows of the result and their cases, in the order they are reported. */
export class CaseTable {
  readonly rows: BenchRow[] = [];
  readonly cases: Case[] = [];

  row(kind: BenchRow["kind"], label: string, unit: string, d?: number, K?: number): BenchRow {
    const row: BenchRow = { kind, label, d, K, unit, throughput: {}, wallThroughput: {}, ratios: {} };
    this.rows.push(row);
    return row;
  }

  add(row: BenchRow, impl: Impl, scale: number, run: (count: number) => Timing): void {
    this.cases.push({ row, impl, run, scale, count: 1, cpu: [], wall: [] });
  }
}

/** Gaussian generation in chunks of CHUNK normals; returns its row (the breakdown and a target read it). */
export function addGaussCases(table: CaseTable, { wasm, native }: Implementations): BenchRow {
  const row = table.row("gauss", "Gaussian generation", "M/s");
  for (const flavour of ["simd", "scalar"] as const) {
    const w = wasm[flavour];
    if (!w) continue;
    table.add(row, flavour, 1e-6, (count) =>
      timeJs(() => {
        for (let done = 0; done < count; done += CHUNK) w.ex.fillGauss(w.rng, w.buf, Math.min(CHUNK, count - done));
      }),
    );
  }
  const rng = new Xoshiro256(1n, 4, 0);
  const buf = new Float64Array(CHUNK);
  table.add(row, "ts", 1e-6, (count) =>
    timeJs(() => {
      for (let done = 0; done < count; done += CHUNK) {
        tsFillGauss(rng, count - done < CHUNK ? buf.subarray(0, count - done) : buf);
      }
    }),
  );
  if (native) table.add(row, "c", 1e-6, (count) => native.time(["gauss", count]));
  return row;
}

/** dot and axpy at each of KERNEL_SIZES: 2 d flops each. */
export function addVectorCases(table: CaseTable, { wasm, native }: Implementations): void {
  for (const kind of ["dot", "axpy"] as const) {
    for (const d of KERNEL_SIZES) {
      const row = table.row(kind, `${kind} d=${d.toExponential(0).replace("+", "")}`, "GFLOP/s", d);
      const flops = 2 * d * 1e-9;
      for (const flavour of ["simd", "scalar"] as const) {
        const w = wasm[flavour];
        if (!w) continue;
        const { ex, x, y } = w;
        table.add(row, flavour, flops, (count) =>
          timeJs(() => {
            if (kind === "dot") {
              let s = 0;
              for (let r = 0; r < count; r++) s += ex.dot(x, y, d);
              if (Number.isNaN(s)) throw new Error("dot: NaN");
            } else for (let r = 0; r < count; r++) ex.axpy(y, 1e-9, x, d);
          }),
        );
      }
      const rng = new Xoshiro256(1n, 4, 0);
      const x = new Float64Array(d);
      const y = new Float64Array(d);
      tsFillGauss(rng, x);
      tsFillGauss(rng, y);
      table.add(row, "ts", flops, (count) =>
        timeJs(() => {
          if (kind === "dot") {
            let s = 0;
            for (let r = 0; r < count; r++) s += tsDot(x, y);
            if (Number.isNaN(s)) throw new Error("dot: NaN");
          } else for (let r = 0; r < count; r++) tsAxpy(y, 1e-9, x);
        }),
      );
      if (native) table.add(row, "c", flops, (count) => native.time([kind, d, count]));
    }
  }
}

/** The full SGD step of one walker at the default model (d in STEP_SIZES, K in STEP_UNITS), and the
 * unfused step at d = 1000, K = 1 (WASM builds only). */
export async function addStepCases(table: CaseTable, { wasm, native }: Implementations): Promise<void> {
  const stepCase = async (row: BenchRow, d: number, K: number, unfused: boolean) => {
    for (const flavour of ["simd", "scalar"] as const) {
      const w = wasm[flavour];
      if (!w) continue;
      const sim = await createSimulation({ d, K, walkers: 1 }, { kernels: w.kernels });
      sim.init(1);
      const ex = sim.exports;
      table.add(row, flavour, 1, (count) =>
        timeJs(() => {
          const r = unfused ? ex.runUnfused(0, count) : ex.run(0, count);
          if (r !== count) throw new Error(`bench: the walker diverged (d = ${d}, K = ${K})`);
        }),
      );
    }
    if (unfused) return;
    const plain = new PlainStep(d, K);
    table.add(row, "ts", 1, (count) =>
      timeJs(() => {
        for (let s = 0; s < count; s++) plain.step();
      }),
    );
    if (native) table.add(row, "c", 1, (count) => native.time(["step", d, K, count]));
  };
  for (const d of STEP_SIZES) {
    for (const K of STEP_UNITS) await stepCase(table.row("step", `step d=${d} K=${K}`, "steps/s", d, K), d, K, false);
  }
  await stepCase(table.row("step-unfused", "unfused step d=1000 K=1", "steps/s", 1000, 1), 1000, 1, true);
}

/**
 * The reduced backend's K = 1 step at the default model: its cost does not depend on d, the full
 * backend's grows like d. SIMD: a group of 8 walkers (runReducedGroup: four pairs in the lanes of
 * f64x2, draws a block ahead; how the engine runs 8 or more walkers), throughput per walker-step;
 * scalar build: one walker. A single pair and a single walker of the SIMD build at d = 1000.
 */
export async function addReducedCases(table: CaseTable, { wasm }: Implementations): Promise<void> {
  const reducedCase = async (row: BenchRow, d: number, flavour: "simd" | "scalar", walkers: 1 | 2 | 8) => {
    const w = wasm[flavour];
    if (!w) return;
    const sim = await createSimulation({ d, K: 1, walkers, backend: "reduced" }, { kernels: w.kernels });
    sim.init(1);
    const ex = sim.exports;
    if (walkers === 8) new Int32Array(ex.memory.buffer, ex.groupList(), 8).set([0, 1, 2, 3, 4, 5, 6, 7]);
    table.add(row, flavour, 1, (count) =>
      timeJs(() => {
        const n = Math.max(1, Math.round(count / walkers));
        const r =
          walkers === 8 ? ex.runReducedGroup(4, n) : walkers === 2 ? ex.runReducedPair(0, 1, n) : ex.runReduced(0, n);
        if (r !== n) throw new Error(`bench: the reduced path (${walkers} walkers) ran ${r} of ${n} steps (d = ${d})`);
      }),
    );
  };
  for (const d of STEP_SIZES) {
    const row = table.row("reduced", `reduced d=${d} K=1`, "steps/s", d, 1);
    await reducedCase(row, d, "simd", 8);
    await reducedCase(row, d, "scalar", 1);
  }
  await reducedCase(table.row("reduced-pair", "reduced d=1000 K=1 one pair", "steps/s", 1000, 1), 1000, "simd", 2);
  await reducedCase(table.row("reduced-single", "reduced d=1000 K=1 alone", "steps/s", 1000, 1), 1000, "simd", 1);
}
