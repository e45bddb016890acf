/**
 * The phase diagram over the latents' correlation (`mcm phase-diagram`, docs/phase-diagram.md): the cubic
 * regime with a covariance spike that repels (PHASE_REGIME) under `mixed:P` latents, over a grid of P and d.
 * Per cell: the measured median first hit of |w . v| >= threshold (reduced backend, `walkers` walkers, a budget
 * of budgetFactor x the predicted median, censored walkers ranked last: src/experiments/stats.ts) beside the
 * combined prediction of src/theory/limit-mixed.ts and the two paths alone; a cell whose budget exceeds
 * maxSteps is not run and marked censored. Per P > 0: the crossover dimension above which the correlated
 * path beats the cubic one. Cells run in a fixed order, each as a one-point sweep (src/experiments/sweep.ts),
 * so finished tasks can be stored and skipped on a resume.
 */
import { z } from "zod";
import { ConfigError } from "../config/errors.js";
import { type Config, type ConfigInput, int, num, ranged, resolveConfig, seedField } from "../config/schema.js";
import {
  correlatedPathMedian,
  crossoverDimension,
  cubicPathMedian,
  type MixedPaths,
  mixedPaths,
  predictMixed,
} from "../theory/limit-mixed.js";
import { CUBIC_REGIME } from "./cubic.js";
import { runSweep } from "./sweep.js";
import type { TaskResult } from "./sweep-task.js";

/** The cubic regime (src/experiments/cubic.ts) with betaU = 5: u repels (F_u'(0) = -2.53), so a K = 1 unit
 * reaches v either by the cubic search or through the u-v cross covariance of `mixed:P` latents. */
export const PHASE_REGIME = { ...CUBIC_REGIME, betaU: 5, backend: "reduced" } as const satisfies ConfigInput;

/** The dimension at which M3 (the cubic path's median n* / d^3, from the P = 0 prediction) is taken. */
export const M3_REFERENCE_D = 1024;
/** The reduced backend's throughput in this regime (walker-steps per CPU-second, K = 1, measured on a 2-core
 * machine): only for stating an estimated cost. */
export const WALKER_STEPS_PER_CPU_SECOND = 1e7;

const P_TEXT = "a comma-separated list of distinct P in [0, 1]";
const D_TEXT = "a comma-separated list of distinct integers d in [8, 1000000]";

/** A comma list of numbers (the flag's text, or one number) checked value by value. */
function listField(text: string, ok: (x: number) => boolean) {
  return ranged(
    z.union([z.string(), z.number()], { error: text }).transform((v, ctx) => {
      const list = String(v)
        .split(",")
        .map((s) => (s.trim() === "" ? Number.NaN : Number(s)));
      const bad = list.find((x) => !ok(x));
      const seen = new Set<number>();
      const twice = list.find((x) => seen.size === seen.add(x).size);
      if (String(v).trim() === "" || bad !== undefined || twice !== undefined) {
        const why = String(v).trim() === "" ? "empty" : bad !== undefined ? `${bad} is out of range` : `${twice} twice`;
        ctx.addIssue({ code: "custom", message: `${text} (${why})` });
        return z.NEVER;
      }
      return list;
    }),
    text,
  );
}

/** The options of a phase diagram, as flags (src/cli/commands/phase-diagram.ts) and for the library. */
export const phaseDiagramSchema = z
  .object({
    p: listField(P_TEXT, (x) => Number.isFinite(x) && x >= 0 && x <= 1)
      .prefault("0,0.03,0.1,0.2,0.5,1")
      .meta({ flag: "--p", placeholder: "list", help: "the latents' correlation P of mixed:P" }),
    d: listField(D_TEXT, (x) => Number.isSafeInteger(x) && x >= 8 && x <= 1_000_000)
      .prefault("64,128,256,512,1024,2048,4096")
      .meta({ flag: "--d", placeholder: "list", help: "dimensions d" }),
    walkers: int(1, 100_000).default(32).meta({ flag: "--walkers", placeholder: "n", help: "walkers per cell" }),
    budgetFactor: ranged(
      num("a number in [1, 100]").refine((x) => x >= 1 && x <= 100),
      "a number in [1, 100]",
    )
      .default(4)
      .meta({ flag: "--budget-factor", placeholder: "x", help: "a cell's step budget: x times its predicted median" }),
    maxSteps: int(1, 1e15).default(4.4e8).meta({
      flag: "--max-steps",
      placeholder: "n",
      help: "a cell whose budget exceeds n steps is not run (censored)",
    }),
    maxWork: int(1, 1e18).default(1e11).meta({
      flag: "--max-work",
      placeholder: "n",
      help: "refuse a grid whose walkers x budgets exceed n walker-steps, unless --force",
    }),
    paths: int(100, 1_000_000)
      .default(2000)
      .meta({ flag: "--paths", placeholder: "n", help: "SDE paths of each cell's prediction" }),
    seed: seedField().default("2026").meta({ flag: "--seed", placeholder: "n", help: "master seed" }),
  })
  .strict();

export type PhaseDiagramOptions = z.output<typeof phaseDiagramSchema>;

/** One cell of the diagram (phase.json's `cells`; docs/outputs.md). */
export interface PhaseCell {
  P: number;
  d: number;
  /** Median first-hitting step of v, null when half or more walkers are censored or the cell was not run. */
  measuredMedian: number | null;
  /** Its 95 % percentile-bootstrap interval (null ends where resampled medians fall on censored walkers). */
  lo: number | null;
  hi: number | null;
  /** No measured median: the cell was not run (budget above maxSteps) or half or more walkers censored. */
  censored: boolean;
  predictedMedian: number | null;
  predictedQ25: number | null;
  predictedQ75: number | null;
  /** The correlated path alone (null where the step noise pins it) and the cubic path alone. */
  predictedCorrelated: number | null;
  predictedCubic: number;
  budget: number;
  run: boolean;
  walkers: number;
  censoredWalkers: number | null;
  note: string | null;
}

export interface PhasePlan {
  options: PhaseDiagramOptions;
  coefficients: Omit<MixedPaths, "config">;
  M3: number;
  cells: PhaseCell[];
  crossover: { P: number; d: number | null }[];
  /** Walkers x budget over the cells that run: the cost's upper bound. */
  work: number;
}

/** A cell's config. */
export function cellConfig(P: number, d: number, walkers: number): Config {
  return resolveConfig({ ...PHASE_REGIME, correlation: `mixed:${P}`, d, walkers });
}

/** Predictions, budgets and the crossover for a grid; refuses a cost above maxWork unless `force`. */
export function planPhaseDiagram(options: PhaseDiagramOptions, force = false): PhasePlan {
  const c = mixedPaths(PHASE_REGIME);
  const { config: _config, ...coefficients } = c;
  const paths = { paths: options.paths, seed: 1 };
  const m3 = predictMixed(c, 0, M3_REFERENCE_D, paths);
  if (m3 === null) throw new Error(`the cubic path's SDE censors at d = ${M3_REFERENCE_D}`);
  const M3 = m3.median / M3_REFERENCE_D ** 3;
  const cells: PhaseCell[] = [];
  let work = 0;
  for (const d of [...options.d].sort((a, b) => a - b)) {
    for (const P of [...options.p].sort((a, b) => a - b)) {
      const q = predictMixed(c, P, d, paths);
      const budget = q === null ? options.maxSteps + 1 : Math.ceil(options.budgetFactor * q.median);
      const run = budget <= options.maxSteps;
      if (run) work += budget * options.walkers;
      cells.push({
        P,
        d,
        measuredMedian: null,
        lo: null,
        hi: null,
        censored: !run,
        predictedMedian: q?.median ?? null,
        predictedQ25: q?.q25 ?? null,
        predictedQ75: q?.q75 ?? null,
        predictedCorrelated: correlatedPathMedian(c, P, d),
        predictedCubic: cubicPathMedian(d, M3),
        budget,
        run,
        walkers: options.walkers,
        censoredWalkers: null,
        note: run ? null : `not run: its budget ${budget.toPrecision(3)} exceeds --max-steps ${options.maxSteps}`,
      });
    }
  }
  if (work > options.maxWork && !force) {
    const minutes = work / WALKER_STEPS_PER_CPU_SECOND / 60;
    throw new ConfigError(
      "maxWork",
      `the grid's estimated cost is ${work.toPrecision(3)} walker-steps (up to about ${minutes.toPrecision(2)} CPU-minutes), above the limit ${options.maxWork}; pass --force to run it, or lower --max-steps, --walkers or the grid`,
    );
  }
  const crossover = [...options.p]
    .sort((a, b) => a - b)
    .filter((P) => P > 0)
    .map((P) => ({ P, d: crossoverDimension(c, P, M3) }));
  return { options, coefficients, M3, cells, crossover, work };
}

export interface PhaseRunOptions {
  threads?: number;
  /** Finished tasks (from a checkpoint), keyed by task key; skipped. */
  finished?: Map<string, TaskResult>;
  onTask?: (key: string, result: TaskResult) => void;
  /** Walker-steps of budget done so far (finished cells) and in all. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Runs the cells that fit their budget, in the plan's order, and fills in their measured medians. */
export async function runPhaseDiagram(plan: PhasePlan, options: PhaseRunOptions = {}): Promise<PhaseCell[]> {
  const out: PhaseCell[] = [];
  let done = 0;
  const { walkers } = plan.options;
  for (const cell of plan.cells) {
    if (!cell.run) {
      out.push(cell);
      continue;
    }
    if (options.signal?.aborted) throw new Error("phase diagram aborted");
    const result = await runSweep(
      {
        base: cellConfig(cell.P, cell.d, walkers),
        grid: {},
        seeds: walkers,
        steps: () => cell.budget,
        seed: plan.options.seed,
        directions: ["v"],
      },
      {
        threads: options.threads ?? 0,
        // A fixed split (whatever --threads), so that a resume finds every finished task by its key.
        chunk: Math.max(1, Math.ceil(walkers / 4)),
        finished: options.finished,
        onTask: options.onTask,
        signal: options.signal,
      },
    );
    const m = result.points[0].directions.v?.median;
    if (!m) throw new Error(`no result for v at P = ${cell.P}, d = ${cell.d}`);
    out.push({
      ...cell,
      measuredMedian: m.median,
      lo: m.lo,
      hi: m.hi,
      censored: m.median === null,
      censoredWalkers: m.censored,
      note: m.median === null ? `${m.censored} of ${m.n} walkers censored at the budget` : null,
    });
    done += cell.budget * walkers;
    options.onProgress?.(done, plan.work);
  }
  return out;
}

/** The body of phase.json (its header from src/io/stamp.ts is the caller's; docs/outputs.md). */
export function phaseDiagramDoc(plan: PhasePlan, cells: PhaseCell[]) {
  const { options } = plan;
  return {
    config: { ...PHASE_REGIME, correlation: "mixed:P" },
    grid: { P: [...options.p].sort((a, b) => a - b), d: [...options.d].sort((a, b) => a - b) },
    walkers: options.walkers,
    seed: String(options.seed),
    budgetFactor: options.budgetFactor,
    maxSteps: options.maxSteps,
    paths: options.paths,
    coefficients: plan.coefficients,
    M3: plan.M3,
    M3ReferenceD: M3_REFERENCE_D,
    cells,
    crossover: plan.crossover,
  };
}
