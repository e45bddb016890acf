/**
 * The benchmark's measuring phase (./index.ts): each case calibrated to about `seconds` of CPU time, then
 * the repetitions interleaved (every case once per round, the order rotated each round), then each row's
 * throughputs and SIMD ratios from the samples.
 */
import { median } from "../experiments/stats.js";
import type { BenchRow, Case, Impl, Stats } from "./types.js";

function stats(samples: number[]): Stats {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/** Grows each case's count until a measurement takes about `seconds` of CPU time, then warms it up. */
export function calibrate(cases: Case[], seconds: number): void {
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
}

/** `repetitions` rounds, each measuring every case once, the order rotated by 7 each round. */
export function measureRounds(cases: Case[], repetitions: number, progress: (message: string) => void): void {
  for (let rep = 0; rep < repetitions; rep++) {
    progress(`round ${rep + 1} of ${repetitions}`);
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(j + rep * 7) % cases.length];
      const t = c.run(c.count);
      c.cpu.push((c.count * c.scale) / t.cpu);
      c.wall.push((c.count * c.scale) / t.wall);
    }
  }
}

/** Fills each row's throughputs, ns per coordinate-step (step rows) and per-round SIMD ratios. */
export function summariseRows(rows: BenchRow[], cases: Case[]): void {
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
}
