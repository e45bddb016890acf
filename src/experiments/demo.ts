/**
 * The main job (`mcm demo`, `npm start`): the regimes of src/experiments/regimes.ts (A: covariance
 * direction, B: cumulant direction with independent latents, C1: sign latents, v reached through the
 * covariance, C2: uncorrelated latents with relu, v learned from higher-order statistics), each run beside
 * its linear control; their phase-transition summary and plots. docs/demo.md explains the parameters.
 */

import type { Direction } from "../config/directions.js";
import { type ConfigInput, resolveConfig } from "../config/schema.js";
import { parseSteps } from "../config/steps.js";
import { controlSpec, withControl } from "./controls.js";
import { type PhaseRow, type Predictor, phaseRows } from "./phase.js";
import { predictedPlateau, thresholdFromPlateau, thresholdProblem } from "./plateau.js";
import { predictFromTheory, predictMedianFromLimit } from "./predict.js";
import { DEMO_REGIMES, type RegimeConfig } from "./regimes.js";
import { runSweep, type SweepResult, type SweepSpec } from "./sweep.js";

export interface DemoRegime {
  id: string;
  label: string;
  direction: Direction;
  spec: SweepSpec;
  /** The same regime with a linear denoiser. */
  control: SweepSpec;
  /** The steps expression of both sweeps. */
  steps: string;
  /** The control's own threshold, where the regime's is above the control's reachable plateau. */
  controlThreshold?: { value: number; reason: string };
}

export interface DemoOptions {
  /** Master seed of all sweeps. */
  seed?: number | string;
  /** A smaller demo (fewer walkers, fewer and smaller d) for smoke tests. */
  quick?: boolean;
  /** Backend of the cubic regime (default reduced: the exact chain, several times faster at these d). */
  cubicBackend?: "full" | "reduced";
  /** The regimes to run (default DEMO_REGIMES). */
  regimes?: readonly RegimeConfig[];
}

/** The threshold of a regime: its own, or PLATEAU_FRACTION of the calculator's plateau. A threshold
 * above the predicted plateau is a bug in the regime table: refused here. */
function regimeBase(r: RegimeConfig, cubicBackend: "full" | "reduced" | undefined): ConfigInput {
  const base: ConfigInput = { ...r.base };
  if (r.id === "B" && cubicBackend) base.backend = cubicBackend;
  const probe = resolveConfig({ ...base, d: r.d[0] });
  if (r.thresholdFromPlateau) base.threshold = thresholdFromPlateau(probe, r.direction);
  const problem = thresholdProblem(resolveConfig({ ...base, d: r.d[0] }), r.direction);
  if (problem) throw new RangeError(`regime ${r.id}: threshold: ${problem}`);
  return base;
}

/** A control judged at a threshold it can reach: where the regime's threshold lies above the control's
 * reachable plateau (the finite-delta ODE's fixed point), the control's threshold is PLATEAU_FRACTION of that
 * plateau, so "learns" means it learns the direction, not that noise carried it past an unreachable level. */
function controlThresholdOf(base: ConfigInput, r: RegimeConfig): DemoRegime["controlThreshold"] {
  const probe = resolveConfig({ ...base, d: r.d[0] });
  const p = predictedPlateau(probe, r.direction);
  if (!p.learnable || p.reachable === null || probe.threshold <= p.reachable) return undefined;
  const value = thresholdFromPlateau(probe, r.direction);
  return {
    value,
    reason: `2/3 of its reachable plateau ${p.reachable.toFixed(3)}; the regime's ${probe.threshold} is out of its reach`,
  };
}

export function demoRegimes(options: DemoOptions = {}): DemoRegime[] {
  const seed = options.seed ?? 2026;
  const quick = options.quick === true;
  const seeds = (n: number) => (quick ? Math.max(6, Math.round(n / 4)) : n);
  const sizes = (d: number[]) => (quick ? d.slice(0, 3) : d);
  return (options.regimes ?? DEMO_REGIMES).map((r) => {
    const budget = parseSteps(r.steps);
    const spec: SweepSpec = {
      base: regimeBase(r, options.cubicBackend),
      grid: { d: sizes(r.d) },
      seeds: seeds(r.seeds),
      steps: (c) => budget.at(c.d),
      seed,
      directions: [r.direction],
      stopAfterHit: r.stopAfterHit,
    };
    // Quick: fewer control walkers (a censored control walker runs its whole budget).
    const controlSeeds = quick ? Math.max(4, Math.round(r.control.seeds / 8)) : r.control.seeds;
    const control = controlSpec(spec, r.control.activation, Math.min(spec.seeds, controlSeeds));
    const controlThreshold = controlThresholdOf(control.base, r);
    if (controlThreshold) control.base = { ...control.base, threshold: controlThreshold.value };
    return { id: r.id, label: r.label, direction: r.direction, spec, control, steps: r.steps, controlThreshold };
  });
}

export interface DemoResult {
  regimes: { id: string; label: string; direction: Direction; result: SweepResult; control: SweepResult }[];
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

/** Rough relative cost of each regime's sweep and its control's (A, B, C1, C2), for the progress only. */
const WEIGHTS: Record<string, [number, number]> = {
  A: [0.03, 0.03],
  B: [0.5, 0.4],
  C1: [0.03, 0.03],
  C2: [0.01, 0.02],
};

export async function runDemo(
  options: DemoOptions & { threads?: number; onProgress?: (p: DemoProgress) => void; signal?: AbortSignal } = {},
  predict: Predictor = predictFromTheory,
): Promise<DemoResult> {
  const started = performance.now();
  const regimes = demoRegimes(options);
  const weights = regimes.flatMap((r) => WEIGHTS[r.id] ?? [0.1, 0.1]);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: DemoResult["regimes"] = [];
  const rows: PhaseRow[] = [];
  let sweepIndex = 0;
  const run = async (i: number, r: DemoRegime, spec: SweepSpec) => {
    const before = weights.slice(0, sweepIndex).reduce((a, b) => a + b, 0);
    const weight = weights[sweepIndex++];
    return runSweep(spec, {
      threads: options.threads,
      signal: options.signal,
      onProgress: (p) =>
        options.onProgress?.({
          regime: i,
          regimes: regimes.length,
          label: r.label,
          done: p.done,
          total: p.total,
          fraction: (before + weight * (p.work / p.workTotal)) / total,
        }),
    });
  };
  for (const [i, r] of regimes.entries()) {
    const result = await run(i, r, r.spec);
    const control = await run(i, r, r.control);
    out.push({ id: r.id, label: r.label, direction: r.direction, result, control });
    const [row] = phaseRows(result, predict, () => r.label, predictMedianFromLimit);
    const [controlRow] = phaseRows(control, predict, () => `${r.label}, linear control`);
    const activation = String(r.control.base.activation);
    if (row && controlRow) rows.push(withControl(row, result, controlRow, control, activation, r.controlThreshold));
  }
  return { regimes: out, rows, seconds: (performance.now() - started) / 1000 };
}
