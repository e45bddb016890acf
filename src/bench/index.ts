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
 * Phases: set-up (./cases.ts: the implementations and the table of cases), measuring (./measure.ts:
 * calibration, interleaved rounds, each row's statistics), finish (./summary.ts: the breakdown, the
 * cross-check, the reduced backend beside the full one, the sweep's thread scaling and the targets).
 *
 *   const result = await runBench({ quick: true });
 *   console.log(formatBench(result));
 */
import { cpus, loadavg } from "node:os";
import {
  addGaussCases,
  addReducedCases,
  addStepCases,
  addVectorCases,
  CaseTable,
  type Implementations,
  openImplementations,
} from "./cases.js";
import { formatDiffusionBench, runDiffusionBench } from "./diffusion.js";
import { calibrate, measureRounds, summariseRows } from "./measure.js";
import { breakdownOf, CHECK_STEPS, crossCheckOf, reducedVsFullOf, rowTargets, sweepScalingOf } from "./summary.js";
import { type BenchOptions, type BenchResult, IMPL_NAMES, IMPLS, type Impl, type Stats } from "./types.js";

export {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  IMPL_NAMES,
  IMPLS,
  type Impl,
  type Stats,
  type TargetCheck,
} from "./types.js";

/** The options with their defaults, checked. */
function resolveOptions(options: BenchOptions): BenchResult["options"] {
  const quick = options.quick ?? false;
  const repetitions = options.repetitions ?? (quick ? 3 : 7);
  const seconds = options.seconds ?? (quick ? 0.03 : 0.15);
  if (!(Number.isInteger(repetitions) && repetitions >= 1 && repetitions <= 1000)) {
    throw new RangeError(`repetitions: got ${repetitions}, expected an integer in [1, 1000]`);
  }
  if (!(seconds > 0 && seconds <= 60)) throw new RangeError(`seconds: got ${seconds}, expected a number in (0, 60]`);
  return { quick, repetitions, seconds };
}

/** The machine the run measured. */
function machineOf(impls: Implementations): BenchResult["machine"] {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    gcc: impls.native?.compiler ?? null,
    loadavg: loadavg(),
  };
}

/** Runs the benchmark: set-up, measuring, finish. */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const { quick, repetitions, seconds } = resolveOptions(options);
  const progress = options.onProgress ?? (() => {});
  const impls = await openImplementations(options.native);
  try {
    // Set-up: one case per (row, implementation), in the order the rows are reported.
    const table = new CaseTable();
    const gaussRow = addGaussCases(table, impls);
    addVectorCases(table, impls);
    await addStepCases(table, impls);
    await addReducedCases(table, impls);
    const { rows, cases } = table;

    // Measuring.
    progress(`calibrating ${cases.length} cases`);
    calibrate(cases, seconds);
    measureRounds(cases, repetitions, progress);
    summariseRows(rows, cases);

    // Finish.
    const breakdown = breakdownOf(rows, gaussRow);
    progress("cross-checking trajectories");
    const crossCheck = await crossCheckOf(impls);
    const targets = rowTargets(rows, gaussRow);
    const reducedVsFull = reducedVsFullOf(rows, targets);
    progress("sweep on 1 and 2 worker threads");
    const sweepScaling = await sweepScalingOf(quick, targets);
    const diffusionStep = await runDiffusionBench({ quick, onProgress: options.onProgress });
    return {
      machine: machineOf(impls),
      command: `npm run bench${quick ? " -- --quick" : ""}`,
      options: { quick, repetitions, seconds },
      timeBasis: "process CPU time",
      skipped: impls.skipped,
      rows,
      breakdown,
      crossCheck,
      targets,
      reducedVsFull,
      sweepScaling,
      diffusionStep,
    };
  } finally {
    impls.native?.dispose();
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
