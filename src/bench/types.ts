/** The benchmark's result types and the measured case, shared by its phases (./index.ts). */
import type { DiffusionStepBench } from "./diffusion.js";

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

export interface Timing {
  wall: number;
  cpu: number;
}

/** One (row, implementation) pair: its measuring function, calibrated count and samples. */
export interface Case {
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
