/**
 * Throughput of the kernels and of the full SGD step, side by side for four implementations of the same
 * algorithm: the SIMD and scalar WASM builds, a plain TypeScript version (./plain.ts) and a native C
 * version compiled here with gcc -O3 -march=native (bench/native/step.c; skipped without gcc).
 *
 * Every (row, implementation) pair is one case. Each case is calibrated to about `seconds` of work, then
 * the repetitions are interleaved (every case once per round, the order rotated each round), so slow
 * drifts of a shared machine hit all implementations alike. Times are CPU times of the measuring process
 * (time spent descheduled by other jobs is not counted; wall times are kept in the result too).
 * Throughputs are reported as median [min-max] over the repetitions; a ratio is the median over rounds
 * of the per-round ratio. Node only.
 *
 *   const result = await runBench({ quick: true });
 *   console.log(formatBench(result));
 */
import { cpus, loadavg } from "node:os";
import { type KernelExports, loadKernels, simdSupported } from "../engine/kernels.js";
import { createSimulation } from "../engine/simulation.js";
import { median } from "../experiments/stats.js";
import { type DiffusionStepBench, formatDiffusionBench, runDiffusionBench } from "./diffusion.js";
import { compileNative, type NativeBinary } from "./native.js";
import { PlainStep, axpy as tsAxpy, dot as tsDot, fillGauss as tsFillGauss, Xoshiro256 } from "./plain.js";

export type Impl = "simd" | "scalar" | "ts" | "c";
export const IMPLS: readonly Impl[] = ["simd", "scalar", "ts", "c"];
export const IMPL_NAMES: Record<Impl, string> = {
  simd: "WASM SIMD",
  scalar: "WASM scalar",
  ts: "plain TS",
  c: "native C",
};

export interface BenchOptions {
  /** Short measurements and 3 repetitions (about 15 s); the full run takes a few minutes. */
  quick?: boolean;
  /** Interleaved repetitions per case (default 7, quick 3). */
  repetitions?: number;
  /** Target CPU seconds per measurement (default 0.15, quick 0.03). */
  seconds?: number;
  /** Set false to skip the native C column even where gcc exists. */
  native?: boolean;
  /** Progress messages (calibration, rounds). */
  onProgress?: (message: string) => void;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface BenchRow {
  kind: "gauss" | "dot" | "axpy" | "step" | "step-unfused" | "reduced" | "reduced-pair" | "reduced-single";
  label: string;
  d?: number;
  K?: number;
  /** Unit of `throughput`: "M/s" (normals), "GFLOP/s" or "steps/s". */
  unit: string;
  /** By CPU time. */
  throughput: Partial<Record<Impl, Stats>>;
  /** By wall time (medians), for reference. */
  wallThroughput: Partial<Record<Impl, number>>;
  /** Step rows: median nanoseconds per coordinate-step, 1e9 / (steps/s * K * d). */
  nsPerCoordinate?: Partial<Record<Impl, number>>;
  ratios: { simdOverTs?: Stats; simdOverScalar?: Stats; simdOverC?: Stats };
}

export interface TargetCheck {
  name: string;
  value: number;
  target: number;
  met: boolean;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; node: string; platform: string; gcc: string | null; loadavg: number[] };
  command: string;
  options: { quick: boolean; repetitions: number; seconds: number };
  timeBasis: "process CPU time";
  /** Why an implementation is missing, if one is. */
  skipped: Partial<Record<Impl, string>>;
  rows: BenchRow[];
  /** Where the time of a step goes: the share of the (2d + 1) normals per step, from the gauss row;
   * the rest is the vector passes (and per-step scalar work). */
  breakdown: { impl: Impl; d: number; K: number; rngShare: number; nsPerStep: number; rngNsPerStep: number }[];
  /** Overlaps after 200 steps from seed 1, max |difference| to the SIMD build (same algorithm check). */
  crossCheck: { impl: Impl; K: number; maxDiff: number }[];
  targets: TargetCheck[];
  /** The reduced backend's K = 1 step beside the full backend's at the same d (SIMD builds, steps per
   * CPU-second of one core, medians): `reduced` a group of 8 walkers (how the engine runs 8 or more),
   * `reducedPair` one pair in the lanes of f64x2, `reducedSingle` one walker alone. */
  reducedVsFull: {
    d: number;
    full: number;
    reduced: number;
    reducedPair?: number;
    reducedSingle?: number;
    speedup: number;
  }[];
  /** Wall seconds of one sweep on 1 and on 2 worker threads (medians), and their ratio. */
  sweepScaling: { seconds1: number; seconds2: number; speedup: number };
  /** A training step of mcm diffusion's default U-Net, alone and with its twins, split by layer. */
  diffusionStep: DiffusionStepBench;
}

interface Timing {
  wall: number;
  cpu: number;
}

interface Case {
  row: BenchRow;
  impl: Impl;
  /** Work units per count (normals, flops / 1e9 scale is applied by `scale`). */
  run(count: number): Timing;
  /** throughput = count * scale / seconds */
  scale: number;
  count: number;
  cpu: number[];
  wall: number[];
}

function timeJs(fn: () => void): Timing {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - w0) / 1e3, cpu: (c.user + c.system) / 1e6 };
}

function stats(samples: number[]): Stats {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

const CHUNK = 4096;
const KERNEL_SIZES = [1e3, 1e4, 1e5];
const STEP_SIZES = [100, 1000, 10000];
const STEP_UNITS = [1, 4];
const CHECK_STEPS = 200;

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

/** Runs the benchmark. */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const quick = options.quick ?? false;
  const repetitions = options.repetitions ?? (quick ? 3 : 7);
  const seconds = options.seconds ?? (quick ? 0.03 : 0.15);
  if (!(Number.isInteger(repetitions) && repetitions >= 1 && repetitions <= 1000)) {
    throw new RangeError(`repetitions: got ${repetitions}, expected an integer in [1, 1000]`);
  }
  if (!(seconds > 0 && seconds <= 60)) throw new RangeError(`seconds: got ${seconds}, expected a number in (0, 60]`);
  const progress = options.onProgress ?? (() => {});
  const skipped: Partial<Record<Impl, string>> = {};

  const wasm: Partial<Record<"simd" | "scalar", Awaited<ReturnType<typeof kernelInstance>>>> = {};
  if (simdSupported()) wasm.simd = await kernelInstance("simd");
  else skipped.simd = "this host's WebAssembly has no SIMD";
  wasm.scalar = await kernelInstance("scalar");

  let native: NativeBinary | null = null;
  if (options.native === false) skipped.c = "native C disabled by option";
  else {
    const compiled = compileNative();
    if ("skipped" in compiled) skipped.c = compiled.skipped;
    else native = compiled;
  }

  try {
    const rows: BenchRow[] = [];
    const cases: Case[] = [];
    const newRow = (kind: BenchRow["kind"], label: string, unit: string, d?: number, K?: number): BenchRow => {
      const row: BenchRow = { kind, label, d, K, unit, throughput: {}, wallThroughput: {}, ratios: {} };
      rows.push(row);
      return row;
    };
    const addCase = (row: BenchRow, impl: Impl, scale: number, run: (count: number) => Timing) => {
      cases.push({ row, impl, run, scale, count: 1, cpu: [], wall: [] });
    };

    // Gaussian generation, in chunks of CHUNK normals.
    const gaussRow = newRow("gauss", "Gaussian generation", "M/s");
    for (const flavour of ["simd", "scalar"] as const) {
      const w = wasm[flavour];
      if (!w) continue;
      addCase(gaussRow, flavour, 1e-6, (count) =>
        timeJs(() => {
          for (let done = 0; done < count; done += CHUNK) w.ex.fillGauss(w.rng, w.buf, Math.min(CHUNK, count - done));
        }),
      );
    }
    {
      const rng = new Xoshiro256(1n, 4, 0);
      const buf = new Float64Array(CHUNK);
      addCase(gaussRow, "ts", 1e-6, (count) =>
        timeJs(() => {
          for (let done = 0; done < count; done += CHUNK) {
            tsFillGauss(rng, count - done < CHUNK ? buf.subarray(0, count - done) : buf);
          }
        }),
      );
    }
    if (native) {
      const bin = native;
      addCase(gaussRow, "c", 1e-6, (count) => bin.time(["gauss", count]));
    }

    // dot and axpy: 2 d flops each.
    for (const kind of ["dot", "axpy"] as const) {
      for (const d of KERNEL_SIZES) {
        const row = newRow(kind, `${kind} d=${d.toExponential(0).replace("+", "")}`, "GFLOP/s", d);
        const flops = 2 * d * 1e-9;
        for (const flavour of ["simd", "scalar"] as const) {
          const w = wasm[flavour];
          if (!w) continue;
          const { ex, x, y } = w;
          addCase(row, flavour, flops, (count) =>
            timeJs(() => {
              if (kind === "dot") {
                let s = 0;
                for (let r = 0; r < count; r++) s += ex.dot(x, y, d);
                if (Number.isNaN(s)) throw new Error("dot: NaN");
              } else for (let r = 0; r < count; r++) ex.axpy(y, 1e-9, x, d);
            }),
          );
        }
        {
          const rng = new Xoshiro256(1n, 4, 0);
          const x = new Float64Array(d);
          const y = new Float64Array(d);
          tsFillGauss(rng, x);
          tsFillGauss(rng, y);
          addCase(row, "ts", flops, (count) =>
            timeJs(() => {
              if (kind === "dot") {
                let s = 0;
                for (let r = 0; r < count; r++) s += tsDot(x, y);
                if (Number.isNaN(s)) throw new Error("dot: NaN");
              } else for (let r = 0; r < count; r++) tsAxpy(y, 1e-9, x);
            }),
          );
        }
        if (native) {
          const bin = native;
          addCase(row, "c", flops, (count) => bin.time([kind, d, count]));
        }
      }
    }

    // The full SGD step of one walker at the default model.
    const stepCase = async (row: BenchRow, d: number, K: number, unfused: boolean) => {
      for (const flavour of ["simd", "scalar"] as const) {
        const w = wasm[flavour];
        if (!w) continue;
        const sim = await createSimulation({ d, K, walkers: 1 }, { kernels: w.kernels });
        sim.init(1);
        const ex = sim.exports;
        addCase(row, flavour, 1, (count) =>
          timeJs(() => {
            const r = unfused ? ex.runUnfused(0, count) : ex.run(0, count);
            if (r !== count) throw new Error(`bench: the walker diverged (d = ${d}, K = ${K})`);
          }),
        );
      }
      if (unfused) return;
      const plain = new PlainStep(d, K);
      addCase(row, "ts", 1, (count) =>
        timeJs(() => {
          for (let s = 0; s < count; s++) plain.step();
        }),
      );
      if (native) {
        const bin = native;
        addCase(row, "c", 1, (count) => bin.time(["step", d, K, count]));
      }
    };
    for (const d of STEP_SIZES) {
      for (const K of STEP_UNITS) await stepCase(newRow("step", `step d=${d} K=${K}`, "steps/s", d, K), d, K, false);
    }
    await stepCase(newRow("step-unfused", "unfused step d=1000 K=1", "steps/s", 1000, 1), 1000, 1, true);

    // The reduced backend's K = 1 step at the default model: its cost does not depend on d, the full
    // backend's grows like d. SIMD: a group of 8 walkers (runReducedGroup: four pairs in the lanes of
    // f64x2, draws a block ahead; how the engine runs 8 or more walkers), throughput per walker-step;
    // scalar build: one walker. A single pair and a single walker of the SIMD build at d = 1000.
    const reducedCase = async (row: BenchRow, d: number, flavour: "simd" | "scalar", walkers: 1 | 2 | 8) => {
      const w = wasm[flavour];
      if (!w) return;
      const sim = await createSimulation({ d, K: 1, walkers, backend: "reduced" }, { kernels: w.kernels });
      sim.init(1);
      const ex = sim.exports;
      if (walkers === 8) new Int32Array(ex.memory.buffer, ex.groupList(), 8).set([0, 1, 2, 3, 4, 5, 6, 7]);
      addCase(row, flavour, 1, (count) =>
        timeJs(() => {
          const n = Math.max(1, Math.round(count / walkers));
          const r =
            walkers === 8 ? ex.runReducedGroup(4, n) : walkers === 2 ? ex.runReducedPair(0, 1, n) : ex.runReduced(0, n);
          if (r !== n)
            throw new Error(`bench: the reduced path (${walkers} walkers) ran ${r} of ${n} steps (d = ${d})`);
        }),
      );
    };
    for (const d of STEP_SIZES) {
      const row = newRow("reduced", `reduced d=${d} K=1`, "steps/s", d, 1);
      await reducedCase(row, d, "simd", 8);
      await reducedCase(row, d, "scalar", 1);
    }
    await reducedCase(newRow("reduced-pair", "reduced d=1000 K=1 one pair", "steps/s", 1000, 1), 1000, "simd", 2);
    await reducedCase(newRow("reduced-single", "reduced d=1000 K=1 alone", "steps/s", 1000, 1), 1000, "simd", 1);

    // Calibration: grow the count until a measurement takes about `seconds` of CPU time.
    progress(`calibrating ${cases.length} cases`);
    for (const c of cases) {
      let count = 1;
      for (;;) {
        const t = c.run(count);
        if (t.cpu >= seconds / 4 || count >= 2 ** 40) {
          c.count = Math.max(1, Math.round((count * seconds) / Math.max(t.cpu, 1e-6)));
          break;
        }
        count *= t.cpu < seconds / 64 ? 16 : 4;
      }
      c.run(c.count); // warm-up at the final size (V8 tiers hot functions up between calls)
    }

    for (let rep = 0; rep < repetitions; rep++) {
      progress(`round ${rep + 1} of ${repetitions}`);
      for (let j = 0; j < cases.length; j++) {
        const c = cases[(j + rep * 7) % cases.length];
        const t = c.run(c.count);
        c.cpu.push((c.count * c.scale) / t.cpu);
        c.wall.push((c.count * c.scale) / t.wall);
      }
    }

    for (const row of rows) {
      const mine = cases.filter((c) => c.row === row);
      const by = (impl: Impl) => mine.find((c) => c.impl === impl);
      for (const c of mine) {
        row.throughput[c.impl] = stats(c.cpu);
        row.wallThroughput[c.impl] = stats(c.wall).median;
      }
      if (row.kind === "step" || row.kind === "step-unfused") {
        const coords = (row.d ?? 0) * (row.K ?? 1);
        row.nsPerCoordinate = {};
        for (const c of mine) row.nsPerCoordinate[c.impl] = 1e9 / ((row.throughput[c.impl] as Stats).median * coords);
      }
      const simd = by("simd");
      const ratio = (other: Impl) => {
        const o = by(other);
        return simd && o ? stats(simd.cpu.map((v, i) => v / o.cpu[i])) : undefined;
      };
      row.ratios = { simdOverTs: ratio("ts"), simdOverScalar: ratio("scalar"), simdOverC: ratio("c") };
    }

    const breakdown: BenchResult["breakdown"] = [];
    const gaussMedian = (impl: Impl) => gaussRow.throughput[impl]?.median;
    for (const row of rows) {
      if (row.kind !== "step" || (row.d ?? 0) < 1000) continue;
      const d = row.d as number;
      const K = row.K as number;
      for (const impl of IMPLS) {
        const thr = row.throughput[impl];
        const g = gaussMedian(impl);
        if (!thr || !g) continue;
        const nsPerStep = 1e9 / thr.median;
        const rngNsPerStep = ((2 * d + 1) * 1e3) / g;
        breakdown.push({ impl, d, K, rngShare: rngNsPerStep / nsPerStep, nsPerStep, rngNsPerStep });
      }
    }

    progress("cross-checking trajectories");
    const crossCheck: BenchResult["crossCheck"] = [];
    for (const K of STEP_UNITS) {
      const reference = async (flavour: "simd" | "scalar") => {
        const w = wasm[flavour];
        if (!w) return null;
        const sim = await createSimulation({ d: 100, K, walkers: 1 }, { kernels: w.kernels });
        sim.init(1);
        sim.advance(CHECK_STEPS);
        return sim.overlaps();
      };
      const simd = await reference("simd");
      if (!simd) continue;
      const maxDiff = (o: Float64Array) => Math.max(...Array.from(o, (v, i) => Math.abs(v - simd[i])));
      const scalar = await reference("scalar");
      if (scalar) crossCheck.push({ impl: "scalar", K, maxDiff: maxDiff(scalar) });
      const plain = new PlainStep(100, K);
      for (let s = 0; s < CHECK_STEPS; s++) plain.step();
      crossCheck.push({ impl: "ts", K, maxDiff: maxDiff(plain.overlaps) });
      if (native) crossCheck.push({ impl: "c", K, maxDiff: maxDiff(native.check(100, K, CHECK_STEPS)) });
    }

    const targets: TargetCheck[] = [];
    const g = gaussRow.throughput.simd;
    if (g) targets.push({ name: "SIMD Gaussian generation (M/s)", value: g.median, target: 200, met: g.median >= 200 });
    for (const row of rows) {
      if (row.kind !== "step" || (row.d ?? 0) < 1000) continue;
      const { simdOverTs, simdOverC } = row.ratios;
      if (simdOverTs) {
        const value = simdOverTs.median;
        targets.push({ name: `${row.label}: SIMD / plain TS`, value, target: 8, met: value >= 8 });
      }
      if (simdOverC) {
        const value = simdOverC.median;
        targets.push({ name: `${row.label}: SIMD / native C`, value, target: 0.7, met: value >= 0.7 });
      }
    }

    const reducedVsFull: BenchResult["reducedVsFull"] = [];
    for (const d of STEP_SIZES) {
      const full = rows.find((r) => r.kind === "step" && r.d === d && r.K === 1)?.throughput.simd?.median;
      const reduced = rows.find((r) => r.kind === "reduced" && r.d === d)?.throughput.simd?.median;
      const pair = rows.find((r) => r.kind === "reduced-pair" && r.d === d)?.throughput.simd?.median;
      const single = rows.find((r) => r.kind === "reduced-single" && r.d === d)?.throughput.simd?.median;
      if (full && reduced) {
        reducedVsFull.push({ d, full, reduced, reducedPair: pair, reducedSingle: single, speedup: reduced / full });
      }
    }
    const reducedRate = Math.min(...reducedVsFull.map((r) => r.reduced));
    if (reducedVsFull.length) {
      targets.push({
        name: "reduced backend, K = 1, SIMD, groups of 8 walkers: steps/s per core (slowest d)",
        value: reducedRate,
        target: 2e7,
        met: reducedRate >= 2e7,
      });
    }

    // A sweep on 1 and on 2 worker threads, wall time, interleaved: equal tasks (no early stopping), so
    // the ideal speedup is the number of threads.
    options.onProgress?.("sweep on 1 and 2 worker threads");
    const { runSweep } = await import("../experiments/sweep.js");
    const sweepSpec = {
      base: {},
      grid: { d: [256, 512] },
      seeds: 8,
      steps: () => (quick ? 40000 : 80000),
      seed: 1,
      directions: ["u" as const],
      stopWhenHit: false,
    };
    const wall: Record<1 | 2, number[]> = { 1: [], 2: [] };
    for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
      for (const threads of rep % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
        const t0 = performance.now();
        await runSweep(sweepSpec, { threads, chunk: 4 });
        wall[threads].push((performance.now() - t0) / 1000);
      }
    }
    const sweepScaling = {
      seconds1: median(wall[1]),
      seconds2: median(wall[2]),
      speedup: median(wall[1]) / median(wall[2]),
    };
    targets.push({
      name: "sweep (d = 256, 512; 8 walkers each) on 2 worker threads vs 1, wall time",
      value: sweepScaling.speedup,
      target: 1.8,
      met: sweepScaling.speedup >= 1.8,
    });

    const diffusionStep = await runDiffusionBench({ quick, onProgress: options.onProgress });
    const cpu = cpus();
    return {
      machine: {
        cpu: cpu[0]?.model ?? "unknown",
        cores: cpu.length,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        gcc: native?.compiler ?? null,
        loadavg: loadavg(),
      },
      command: `npm run bench${quick ? " -- --quick" : ""}`,
      options: { quick, repetitions, seconds },
      timeBasis: "process CPU time",
      skipped,
      rows,
      breakdown,
      crossCheck,
      targets,
      reducedVsFull,
      sweepScaling,
      diffusionStep,
    };
  } finally {
    native?.dispose();
  }
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function cell(s: Stats | undefined): string {
  return s ? `${fmt(s.median)} [${fmt(s.min)}-${fmt(s.max)}]` : "-";
}

/** The result as plain-text tables. */
export function formatBench(result: BenchResult): string {
  const { machine, options } = result;
  const lines: string[] = [];
  lines.push(
    `mcm-diffusion benchmark: ${machine.cpu} (${machine.cores} cores), node ${machine.node}, ${machine.platform}`,
  );
  lines.push(`native: ${machine.gcc ? `${machine.gcc}, -O3 -march=native` : "skipped"}`);
  lines.push(
    `${options.repetitions} interleaved repetitions of ~${options.seconds} s each; ${result.timeBasis}; median [min-max]; load average ${machine.loadavg.map((l) => l.toFixed(1)).join(" ")}`,
  );
  for (const [impl, why] of Object.entries(result.skipped)) lines.push(`skipped ${IMPL_NAMES[impl as Impl]}: ${why}`);
  lines.push("");
  const widths = [37, 19, 19, 19, 19, 8, 11, 7];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" ");
  lines.push(line(["", ...IMPLS.map((i) => IMPL_NAMES[i]), "SIMD/TS", "SIMD/scalar", "SIMD/C"]));
  for (const row of result.rows) {
    const r = row.ratios;
    lines.push(
      line([
        `${row.label} (${row.unit})`,
        ...IMPLS.map((i) => cell(row.throughput[i])),
        fmt(r.simdOverTs?.median),
        fmt(r.simdOverScalar?.median),
        fmt(r.simdOverC?.median),
      ]),
    );
    if (row.nsPerCoordinate) {
      lines.push(line(["  ns per coordinate-step", ...IMPLS.map((i) => fmt(row.nsPerCoordinate?.[i])), "", "", ""]));
    }
  }
  if (result.breakdown.length) {
    lines.push("");
    lines.push(
      "Where a step's time goes: its 2d + 1 normals at the Gaussian-generation rate, and the rest (vector passes)",
    );
    for (const b of result.breakdown) {
      lines.push(
        `  ${`d=${b.d} K=${b.K}`.padEnd(12)} ${IMPL_NAMES[b.impl].padEnd(12)} step ${fmt(b.nsPerStep / 1e3).padStart(5)} us = normals ${fmt(b.rngNsPerStep / 1e3).padStart(5)} us (${(100 * b.rngShare).toFixed(0).padStart(2)}%) + rest ${fmt((b.nsPerStep - b.rngNsPerStep) / 1e3).padStart(5)} us`,
      );
    }
  }
  if (result.crossCheck.length) {
    lines.push("");
    lines.push(
      `Same algorithm: max |overlap - SIMD overlap| after ${CHECK_STEPS} steps at d = 100 from seed 1: ${result.crossCheck
        .map((c) => `${IMPL_NAMES[c.impl]} K=${c.K} ${c.maxDiff.toExponential(1)}`)
        .join(", ")}`,
    );
  }
  if (result.reducedVsFull.length) {
    lines.push("");
    lines.push("Reduced backend (the exact chain on the overlaps) beside the full backend, K = 1, SIMD, steps/s:");
    for (const r of result.reducedVsFull) {
      const pair = r.reducedPair ? `; one pair ${fmt(r.reducedPair)}` : "";
      const single = r.reducedSingle ? `; one walker alone ${fmt(r.reducedSingle)}` : "";
      lines.push(
        `  d=${String(r.d).padEnd(6)} full ${fmt(r.full).padStart(6)}   reduced ${fmt(r.reduced).padStart(6)} (${fmt(1e9 / r.reduced)} ns per step${pair}${single})   reduced/full ${fmt(r.speedup)}`,
      );
    }
  }
  lines.push("");
  const sc = result.sweepScaling;
  lines.push(
    `Sweep wall time: ${fmt(sc.seconds1)} s on 1 worker thread, ${fmt(sc.seconds2)} s on 2 (speedup ${fmt(sc.speedup)})`,
  );
  lines.push("");
  lines.push("Targets");
  for (const t of result.targets) {
    lines.push(
      `  ${t.met ? "met    " : "NOT met"}  ${t.name}: ${fmt(t.value)} (target ${t.target >= 1e4 ? fmt(t.target) : t.target})`,
    );
  }
  lines.push(formatDiffusionBench(result.diffusionStep));
  return lines.join("\n");
}
