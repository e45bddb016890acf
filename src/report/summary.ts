/**
 * The summary of a run (docs/model.md section 5): per direction, the final |overlap| over walkers (median and
 * interquartile range), the fraction of walkers that reached the threshold, and the median first-hitting
 * step with its ratios to d, d log d and d^3. Censored walkers (threshold not reached) count, never vanish.
 *
 * For K > 1 a walker's overlap with a direction is the max over its units of |overlap|, and its hitting
 * step is the earliest over its units. Directions: u and v always, m only when betaM > 0.
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import { type ActivationTableRecord, spikeDirections } from "../config/model.js";
import type { Config } from "../config/schema.js";
import { censoredMedian, quantile } from "../experiments/stats.js";
import { bestOverlaps, earliestHits } from "../experiments/walkers.js";

export interface DirectionSummary {
  /** Quantiles (linear interpolation, numpy's default) of the final max-over-units |overlap| over walkers. */
  finalOverlap: { median: number; q25: number; q75: number };
  /** Fraction of walkers whose |overlap| reached the threshold. */
  hitFraction: number;
  /** The median hitting step over walkers, censored ones ranked last (`censoredMedian` of
   * src/experiments/stats.ts: type 7, null when half or more of the walkers are censored). */
  medianHitStep: number | null;
  /** medianHitStep / d, / (d ln d), / d^3 (null with it). */
  medianHitOverD: number | null;
  medianHitOverDLogD: number | null;
  medianHitOverD3: number | null;
  /** Per walker: the earliest hitting step over units, null when censored (not reached by the last step). */
  hitSteps: (number | null)[];
}

export interface RunSummary {
  seed: string;
  /** The step count the run aimed for and the expression it came from. */
  steps: number;
  stepsExpression: string;
  /** The step all walkers reached (equals steps unless interrupted). */
  completedSteps: number;
  config: Config;
  directions: Partial<Record<Direction, DirectionSummary>>;
  /** Steps per second of the run (every walker advances one step per step) over the SGD phase of this process. */
  stepsPerSecond: number;
  /** stepsPerSecond times walkers: samples processed per second. */
  walkerStepsPerSecond: number;
  seconds: number;
  version: string;
  buildHash: string;
  kernel: string;
  outDir?: string;
  /** A formula activation's table: formula, derivative, range, spacing, bound met, checksum. */
  activationTable?: ActivationTableRecord;
}

/** Which directions a config reports: u and v always, m when the mean spike is on. */
export function reportedDirections(config: Config): Direction[] {
  return [...spikeDirections(config)];
}

export interface SummaryInput {
  config: Config;
  seed: string;
  steps: number;
  stepsExpression: string;
  completedSteps: number;
  /** [walkers, K, 3] */
  overlaps: Float64Array;
  /** [walkers, K, 3], -1 = not reached */
  hits: Float64Array;
  seconds: number;
  stepsDone: number;
  version: string;
  buildHash: string;
  kernel: string;
  outDir?: string;
  activationTable?: ActivationTableRecord;
}

export function summarize(input: SummaryInput): RunSummary {
  const { config } = input;
  const { walkers, K, d } = config;
  const directions: Partial<Record<Direction, DirectionSummary>> = {};
  for (const dir of reportedDirections(config)) {
    const j = DIRECTIONS.indexOf(dir);
    const finals = bestOverlaps(input.overlaps, walkers, K, j);
    const hitSteps = earliestHits(input.hits, walkers, K, j);
    const median = censoredMedian(hitSteps);
    const ratio = (x: number) => (median === null ? null : median / x);
    directions[dir] = {
      finalOverlap: { median: quantile(finals, 0.5), q25: quantile(finals, 0.25), q75: quantile(finals, 0.75) },
      hitFraction: hitSteps.filter((h) => h !== null).length / walkers,
      medianHitStep: median,
      medianHitOverD: ratio(d),
      medianHitOverDLogD: ratio(d * Math.log(d)),
      medianHitOverD3: ratio(d ** 3),
      hitSteps,
    };
  }
  const stepsPerSecond = input.seconds > 0 ? input.stepsDone / input.seconds : 0;
  return {
    seed: input.seed,
    steps: input.steps,
    stepsExpression: input.stepsExpression,
    completedSteps: input.completedSteps,
    config,
    directions,
    stepsPerSecond,
    walkerStepsPerSecond: stepsPerSecond * walkers,
    seconds: input.seconds,
    version: input.version,
    buildHash: input.buildHash,
    kernel: input.kernel,
    ...(input.outDir === undefined ? {} : { outDir: input.outDir }),
    ...(input.activationTable === undefined ? {} : { activationTable: input.activationTable }),
  };
}

const g = (x: number | null, digits = 3) => (x === null ? "-" : Number(x.toPrecision(digits)).toString());
const sci = (x: number) => (x >= 1e5 ? x.toExponential(2).replace("e+", "e") : Math.round(x).toString());

/** The human summary printed on stdout. */
export function formatSummary(s: RunSummary): string {
  const c = s.config;
  const lines = [
    `mcm run: d = ${c.d}, K = ${c.K}, ${c.walkers} walkers, ${sci(s.completedSteps)} of ${sci(s.steps)} steps (${s.stepsExpression}), seed ${s.seed}`,
    `threshold |overlap| >= ${c.threshold}; overlaps are the max over units, hits the earliest over units`,
    "",
  ];
  const header = ["dir", "|overlap| median", "IQR", "hit", "median hit step", "/d", "/(d ln d)", "/d^3"];
  const rows = Object.entries(s.directions).map(([dir, x]) => [
    dir,
    g(x.finalOverlap.median),
    `${g(x.finalOverlap.q25)} - ${g(x.finalOverlap.q75)}`,
    `${Math.round(x.hitFraction * c.walkers)}/${c.walkers}`,
    x.medianHitStep === null ? "censored" : String(x.medianHitStep),
    g(x.medianHitOverD),
    g(x.medianHitOverDLogD),
    g(x.medianHitOverD3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  lines.push(fmt(header), ...rows.map(fmt), "");
  lines.push(
    `${sci(s.stepsPerSecond)} steps/s (${sci(s.walkerStepsPerSecond)} samples/s over ${c.walkers} walkers), ${s.kernel} kernels, build ${s.buildHash}`,
  );
  const t = s.activationTable;
  if (t) {
    lines.push(
      `g(x) = ${t.formula}, g'(x) = ${t.derivative}: kernel table on [-${t.range}, ${t.range}] at spacing ${t.spacing} ` +
        `(error <= ${t.tolerance} relative; found ${g(Math.max(t.maxError.g, t.maxError.gp), 2)}), checksum ${t.checksum}`,
    );
  }
  if (s.outDir) lines.push(`outputs in ${s.outDir}`);
  return `${lines.join("\n")}\n`;
}

/** series.csv: one row per log step, walker and unit, with the overlap with each reported direction, a_k and b. */
export function seriesCsv(
  config: Config,
  log: readonly { step: number; overlaps: Float64Array; a: Float64Array; b: Float64Array }[],
): string {
  const dirs = reportedDirections(config);
  const { walkers, K } = config;
  const out = [`step,walker,unit,${dirs.map((d) => `overlap_${d}`).join(",")},a,b`];
  for (const e of log) {
    for (let w = 0; w < walkers; w++) {
      for (let k = 0; k < K; k++) {
        const i = (w * K + k) * 3;
        // String(x) is the shortest text that parses back to the same double: the CSV is exact.
        const o = dirs.map((d) => String(e.overlaps[i + DIRECTIONS.indexOf(d)]));
        out.push(`${e.step},${w},${k},${o.join(",")},${e.a[w * K + k]},${e.b[w]}`);
      }
    }
  }
  return `${out.join("\n")}\n`;
}
