/**
 * The main job (`mcm demo`, `npm start`): three sweeps that show the three regimes of docs/model.md
 * section 1, their phase-transition summary and plots.
 *
 *  A. covariance direction u (k = 2): betaU = betaV = 5, eta = 0.5 / d; n* ~ d log d.
 *  B. cumulant direction v, independent latents (k = 4): betaU = 0 isolates v, eta = 0.5 / d^2 (p = 2
 *     lets it escape; with p = 1 the step noise pins the overlap at d^-1/2); n* ~ d^3.
 *  C. cumulant direction v, sign-correlated latents: once w.u is of order one, the mixed term
 *     alphaU alphaV makes v's effective exponent 1, so v follows u within O(d) steps: n*(v) ~ d log d,
 *     set by u, with eta = 0.5 / d (linear up to the log, against d^3 without the correlation). A single unit's overlap
 *     with v saturates near 0.3 here (the top eigenvector of the u-v covariance block), so the threshold
 *     is 0.25, above the initial overlaps (d^-1/2 <= 0.09 for d >= 128).
 * Parameter choices are explained in docs/demo.md, with the exponent calculator's output.
 */
import type { ConfigInput } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";
import { type PhaseRow, type Predictor, phaseRows } from "./phase.js";
import { predictFromTheory, predictMedianFromLimit } from "./predict.js";
import { runSweep, type SweepResult, type SweepSpec } from "./sweep.js";

export interface DemoRegime {
  label: string;
  direction: Direction;
  spec: SweepSpec;
}

export interface DemoOptions {
  /** Master seed of all three sweeps. */
  seed?: number | string;
  /** A smaller demo (fewer walkers, fewer and smaller d) for smoke tests. */
  quick?: boolean;
  /** Backend of the cubic regime (default reduced: the exact chain, several times faster at these d). */
  cubicBackend?: "full" | "reduced";
}

const budget = (factor: number, law: (d: number) => number) => (c: { d: number }) => Math.ceil(factor * law(c.d));

export function demoRegimes(options: DemoOptions = {}): DemoRegime[] {
  const seed = options.seed ?? 2026;
  const quick = options.quick === true;
  const seeds = (n: number) => (quick ? Math.max(6, Math.round(n / 4)) : n);
  const sizes = (d: number[]) => (quick ? d.slice(0, 3) : d);
  const reduced = (options.cubicBackend ?? "reduced") === "reduced";
  const regime = (
    label: string,
    direction: Direction,
    base: ConfigInput,
    d: number[],
    n: number,
    steps: SweepSpec["steps"],
    stopAfterHit: number,
  ): DemoRegime => ({
    label,
    direction,
    spec: { base, grid: { d: sizes(d) }, seeds: seeds(n), steps, seed, directions: [direction], stopAfterHit },
  });
  return [
    regime(
      "A: covariance (u)",
      "u",
      { betaU: 5, betaV: 5, delta: 0.5, lrExponent: 1 },
      [64, 128, 256, 512, 1024, 2048],
      24,
      budget(20, (d) => d * Math.log(d)),
      3,
    ),
    regime(
      "B: cumulant (v), independent",
      "v",
      { betaU: 0, betaV: 5, delta: 0.5, lrExponent: 2, backend: reduced ? "reduced" : "full" },
      [32, 40, 50, 64],
      32,
      budget(300, (d) => d ** 3),
      1.2,
    ),
    regime(
      "C: cumulant (v), sign-correlated",
      "v",
      { betaU: 5, betaV: 5, correlation: "sign", threshold: 0.25, delta: 0.5, lrExponent: 1 },
      [128, 256, 512, 1024, 2048],
      24,
      budget(100, (d) => d),
      3,
    ),
  ];
}

export interface DemoResult {
  regimes: { label: string; direction: Direction; result: SweepResult }[];
  /** The phase-transition summary: one row per regime. */
  rows: PhaseRow[];
  seconds: number;
}

export interface DemoProgress {
  regime: number;
  regimes: number;
  label: string;
  done: number;
  total: number;
  /** Fraction of the whole demo's work done, by the regimes' relative weights. */
  fraction: number;
}

/** Rough relative cost of the three regimes, for the progress fraction only. */
const WEIGHTS = [0.05, 0.85, 0.1];

export async function runDemo(
  options: DemoOptions & { threads?: number; onProgress?: (p: DemoProgress) => void; signal?: AbortSignal } = {},
  predict: Predictor = predictFromTheory,
): Promise<DemoResult> {
  const started = performance.now();
  const regimes = demoRegimes(options);
  const out: DemoResult["regimes"] = [];
  const rows: PhaseRow[] = [];
  for (const [i, r] of regimes.entries()) {
    const before = WEIGHTS.slice(0, i).reduce((a, b) => a + b, 0);
    const result = await runSweep(r.spec, {
      threads: options.threads,
      signal: options.signal,
      onProgress: (p) =>
        options.onProgress?.({
          regime: i,
          regimes: regimes.length,
          label: r.label,
          done: p.done,
          total: p.total,
          fraction: before + (WEIGHTS[i] ?? 0) * (p.work / p.workTotal),
        }),
    });
    out.push({ label: r.label, direction: r.direction, result });
    rows.push(...phaseRows(result, predict, () => r.label, predictMedianFromLimit));
  }
  return { regimes: out, rows, seconds: (performance.now() - started) / 1000 };
}
