/**
 * The pipeline as a library: what `mcm sweep`, `mcm predict`, `mcm exponent` and `mcm generate` compute,
 * as typed functions that return plain data and write nothing (the CLI adds files, plots and printing).
 * Browser-safe: pass `threads: 0` to `sweep` in a browser (worker threads are Node's). `mcm diffusion` is
 * Node-only: `diffusion` in src/node.ts.
 */

import type { Direction } from "./config/directions.js";
import { ConfigError } from "./config/errors.js";
import { type Config, type ConfigInput, parseSeed, resolveConfig } from "./config/schema.js";
import { parseSteps } from "./config/steps.js";
import type { Kernels } from "./engine/kernels.js";
import { attachControls } from "./experiments/controls.js";
import { type PhaseRow, phaseRows } from "./experiments/phase.js";
import { predictFromTheory, predictMedianFromLimit } from "./experiments/predict.js";
import { runSweep, type SweepOptions, type SweepResult } from "./experiments/sweep.js";
import {
  GENERATE_CONFIG_DEFAULTS,
  type GenerateResult,
  type GenerateState,
  runGenerate,
} from "./generate/experiment.js";
import { snapshotSteps } from "./generate/family.js";
import { parseLevels } from "./generate/law.js";
import type { SamplerName } from "./generate/sampler.js";
import { computeExponents, type ExponentResult } from "./theory/exponent.js";
import { predictLimit } from "./theory/limit-predict.js";
import type { LimitPrediction, PredictOptions } from "./theory/limit-types.js";

/** A sweep: a grid over config fields, `seeds` walkers per grid point, a step budget per point. */
export interface SweepInput {
  /** Config fields shared by every point (defaults: docs/model.md). */
  base?: ConfigInput;
  /** Fields to vary: field -> values; the grid is their cartesian product, in field order. */
  grid: Record<string, unknown[]>;
  /** Walkers per grid point. */
  seeds: number;
  /** Step budget of a point: a number, an expression in d ("20*d*log(d)") or a function of its config. */
  steps: number | string | ((config: Config) => number);
  /** Master seed; each point's seed derives from it and the point's config. */
  seed: number | string;
  /** Directions whose first-hitting steps are measured (default u and v, and m when betaM > 0). */
  directions?: Direction[];
  /** Run each walker on to this multiple of its hitting step (default 1: freeze it at its hit). */
  stopAfterHit?: number;
}

/** How a sweep runs; none of it changes the results (bit-identical whatever threads or chunk). */
export interface SweepRunOptions {
  /** Worker threads (Node); 0 runs every task in this thread. Default: the cores in Node, 0 elsewhere. */
  threads?: number;
  /** Walkers per task (scheduling only). */
  chunk?: number;
  /** After each finished task: tasks and work (walker-steps) done of the totals. */
  onProgress?: SweepOptions["onProgress"];
  /** Each newly finished task's result, keyed: store them to continue later through `finished`. */
  onTask?: SweepOptions["onTask"];
  /** Results of tasks finished earlier (from onTask), skipped. */
  finished?: SweepOptions["finished"];
  /** Cancels the sweep: it rejects once aborted (what onTask reported is kept). */
  signal?: AbortSignal;
}

/** A sweep's result with its phase-transition summary, as `mcm sweep` writes it to sweep.json. */
export interface SweepOutcome extends SweepResult {
  /** Per direction (and combination of the non-d grid fields): measured exponent of n*(d) beside the theory. */
  phase: PhaseRow[];
}

const inNode = () => typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * Runs a sweep: per grid point and direction the walkers' first-hitting steps (null where censored), the
 * median with a bootstrap interval, the overlap log; over d the fitted exponent of n*(d) and the phase
 * summary beside the theory.
 */
export async function sweep(input: SweepInput, options: SweepRunOptions = {}): Promise<SweepOutcome> {
  const { steps } = input;
  const stepsOf =
    typeof steps === "function"
      ? steps
      : typeof steps === "number"
        ? () => steps
        : (
            (expr) => (c: Config) =>
              expr.at(c.d)
          )(parseSteps(steps));
  const result = await runSweep(
    { ...input, base: input.base ?? {}, steps: stepsOf },
    { ...options, threads: options.threads ?? (inNode() ? undefined : 0) },
  );
  const rows = phaseRows(result, predictFromTheory, undefined, predictMedianFromLimit);
  return { ...result, phase: attachControls(rows, result) };
}

/** The information exponents of a config and the sample complexities they predict (`mcm exponent`). */
export function exponent(config: ConfigInput = {}): ExponentResult {
  return computeExponents(resolveConfig(config));
}

/** The high-dimensional limit's first-hitting laws and overlap curves of a config at its d, K = 1 (`mcm
 * predict`). Throws NotCoveredError (naming the field) for what the limit does not cover. */
export function predict(config: ConfigInput = {}, options: PredictOptions = {}): LimitPrediction {
  return predictLimit(config, options);
}

/** Generation on the MCM (`mcm generate`): a family of denoisers, one per noise level, sampled by the
 * reverse process at snapshots of the training, and compared with the data law and the oracle. */
export interface GenerateInput {
  /** Config fields; generate's defaults (GENERATE_CONFIG_DEFAULTS) below them. `t` is set per level. */
  config?: ConfigInput;
  /** Master seed. */
  seed: number | string;
  /** Training samples per level at the last snapshot: a number or an expression in d. */
  steps: number | string;
  /** Noise levels: a count (spaced evenly in atan(sigma/alpha)) or the t of each level. Default 24. */
  levels?: number | number[];
  /** Reverse process (default heun). */
  sampler?: SamplerName;
  /** Generated samples per snapshot (default 4000). */
  samples?: number;
  /** Log-spaced snapshots of the training (default 10). */
  snapshots?: number;
}

export interface GenerateRunOptions {
  kernels?: Kernels;
  /** Progress text. */
  onStep?: (text: string) => void;
  /** The state after each unit of work: store it, and pass it back as `resume` to continue. */
  onSave?: (state: GenerateState) => void;
  resume?: GenerateState;
  signal?: AbortSignal;
}

/** The plan `generate` runs: the resolved config, seed, levels and snapshots (validated). */
export function generatePlan(input: GenerateInput): GenerateState["plan"] {
  const config = resolveConfig({ ...GENERATE_CONFIG_DEFAULTS, ...input.config });
  const seed = parseSeed(input.seed);
  if (seed === null)
    throw new ConfigError("seed", `got ${JSON.stringify(input.seed)}, expected an integer in [0, 2^64 - 1]`);
  const levels = input.levels ?? 24;
  const steps = typeof input.steps === "number" ? input.steps : parseSteps(input.steps).at(config.d);
  return {
    config,
    seed,
    levels: parseLevels(Array.isArray(levels) ? levels.join(",") : String(levels), config.process),
    sampler: input.sampler ?? "heun",
    samples: input.samples ?? 4000,
    snapshots: snapshotSteps(steps, input.snapshots ?? 10),
  };
}

/** Runs (or with `resume`, continues) a generation experiment. */
export async function generate(input: GenerateInput, options: GenerateRunOptions = {}): Promise<GenerateResult> {
  const state = options.resume ?? { plan: generatePlan(input), levels: [], snapshots: [] };
  return runGenerate(state, {
    kernels: options.kernels,
    save: options.onSave,
    onStep: options.onStep,
    signal: options.signal,
  });
}
