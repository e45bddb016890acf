/**
 * The benchmark's finishing phase (./index.ts): what the measured rows say together (where a step's time
 * goes, the reduced backend beside the full one, the targets), the same-algorithm cross-check of the
 * trajectories, and the sweep's scaling over worker threads.
 */
import { createSimulation } from "../engine/simulation.js";
import { median } from "../experiments/stats.js";
import { type Implementations, STEP_SIZES, STEP_UNITS } from "./cases.js";
import { PlainStep } from "./plain.js";
import { type BenchResult, type BenchRow, IMPLS, type Impl, type TargetCheck } from "./types.js";

/** Steps of the cross-check's trajectories. */
export const CHECK_STEPS = 200;

/** The share of a step's time (d >= 1000) spent drawing its 2d + 1 normals at the gauss row's rate. */
export function breakdownOf(rows: BenchRow[], gaussRow: BenchRow): BenchResult["breakdown"] {
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
  return breakdown;
}

/** Overlaps after CHECK_STEPS steps at d = 100 from seed 1: each implementation's max |difference| to
 * the SIMD build's. */
export async function crossCheckOf({ wasm, native }: Implementations): Promise<BenchResult["crossCheck"]> {
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
  return crossCheck;
}

/** The SIMD Gaussian rate's target and, for each step row at d >= 1000, the SIMD / TS and SIMD / C ones. */
export function rowTargets(rows: BenchRow[], gaussRow: BenchRow): TargetCheck[] {
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
  return targets;
}

/** The reduced backend's SIMD step beside the full backend's at each d, and its target (appended to
 * `targets`: the slowest d's rate per core). */
export function reducedVsFullOf(rows: BenchRow[], targets: TargetCheck[]): BenchResult["reducedVsFull"] {
  const reducedVsFull: BenchResult["reducedVsFull"] = [];
  const simdMedian = (kind: BenchRow["kind"], d: number, K?: number) =>
    rows.find((r) => r.kind === kind && r.d === d && (K === undefined || r.K === K))?.throughput.simd?.median;
  for (const d of STEP_SIZES) {
    const full = simdMedian("step", d, 1);
    const reduced = simdMedian("reduced", d);
    const pair = simdMedian("reduced-pair", d);
    const single = simdMedian("reduced-single", d);
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
  return reducedVsFull;
}

/**
 * A sweep on 1 and on 2 worker threads, wall time, interleaved: equal tasks (no early stopping), so the
 * ideal speedup is the number of threads. Its target is appended to `targets`.
 */
export async function sweepScalingOf(quick: boolean, targets: TargetCheck[]): Promise<BenchResult["sweepScaling"]> {
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
  return sweepScaling;
}
