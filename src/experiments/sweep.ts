/**
 * Sweeps (docs/model.md sections 5 and 7): a grid over config fields, `seeds` walkers per point, a step
 * budget per point, run in parallel on worker threads. Per point and direction: the median first-hitting
 * step with a bootstrap interval and the censored count; over d, the fitted exponent of n*(d).
 *
 * Results are bit-identical whatever the number of threads: each task is a pure function of
 * (point config, point seed, walker range), and results are assembled in grid order.
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import { ConfigError } from "../config/errors.js";
import { spikeDirections } from "../config/model.js";
import { type Config, type ConfigInput, resolveConfig, show } from "../config/schema.js";
import { fingerprint } from "../engine/kernels.js";
import { canonicalJson } from "../io/json.js";
import { type ExponentFit, fitExponent } from "./fit.js";
import { type Hit, type MedianCI, medianCI } from "./stats.js";
import { runTask, type SweepTask, type TaskResult } from "./sweep-task.js";
import { bestOverlaps, earliestHits } from "./walkers.js";

export { canonicalJson } from "../io/json.js";

export interface SweepSpec {
  /** Fields shared by every point. */
  base: ConfigInput;
  /** Fields to vary: field -> list of values (the grid is their cartesian product, in field order). */
  grid: Record<string, unknown[]>;
  /** Walkers per grid point. */
  seeds: number;
  /** Step budget of a point, from its resolved config (e.g. an expression in d). */
  steps: (config: Config) => number;
  /** Master seed; each point's seed is derived from it and the point's config. */
  seed: number | string;
  /** Directions whose hitting times are measured (default u and v, and m when betaM > 0). */
  directions?: Direction[];
  /** Stop each walker once all measured directions are hit (default true): sweeps need hitting times. */
  stopWhenHit?: boolean;
  /** With stopWhenHit, run each walker on to this multiple of its hitting step (default 1), so that
   * the logged overlap curves show the approach to saturation. */
  stopAfterHit?: number;
}

export interface SweepPoint {
  index: number;
  /** The grid coordinates of this point (field -> value). */
  at: Record<string, unknown>;
  config: Config;
  seed: string;
  steps: number;
}

export interface PointResult extends SweepPoint {
  directions: Partial<Record<Direction, DirectionResult>>;
  /** Overlap log: steps, and per row [walkers, K, 3] overlaps. */
  log: { steps: number[]; overlaps: number[][] };
}

export interface DirectionResult {
  /** Per walker: earliest hitting step over units, null when censored. */
  hits: Hit[];
  /** Per walker: max over units of the final |overlap|. */
  finalOverlap: number[];
  median: MedianCI;
}

export interface SweepOptions {
  /** Worker threads; 0 runs every task in this thread (browsers, tests). Default: available cores. */
  threads?: number;
  /** Walkers per task (scheduling only: results do not depend on it). Default: balances the threads. */
  chunk?: number;
  /** Called after each finished task. */
  onProgress?: (p: { done: number; total: number; work: number; workTotal: number }) => void;
  /** Results of tasks finished earlier (from a checkpoint), keyed by task key; skipped when present. */
  finished?: Map<string, TaskResult>;
  /** Called with each newly finished task (key, result): e.g. to checkpoint. */
  onTask?: (key: string, result: TaskResult) => void;
  signal?: AbortSignal;
}

export interface SweepResult {
  spec: { base: ConfigInput; grid: Record<string, unknown[]>; seeds: number; seed: string };
  points: PointResult[];
  /** Exponent fits of n*(d), one per direction and per combination of the other grid fields. */
  fits: ScalingFit[];
}

export interface ScalingFit {
  direction: Direction;
  /** The non-d grid coordinates this fit holds fixed. */
  at: Record<string, unknown>;
  fit: ExponentFit;
  logCorrectedFit: ExponentFit;
}

/** Cartesian product of the grid, in field order (last field fastest). */
export function expandGrid(spec: SweepSpec): SweepPoint[] {
  const fields = Object.keys(spec.grid);
  for (const f of fields) {
    if (!Array.isArray(spec.grid[f]) || spec.grid[f].length === 0)
      throw new RangeError(`grid.${f}: expected a non-empty list of values`);
  }
  const points: SweepPoint[] = [];
  const coords = (i: number): Record<string, unknown> => {
    const at: Record<string, unknown> = {};
    let rest = i;
    for (let j = fields.length - 1; j >= 0; j--) {
      const values = spec.grid[fields[j]];
      at[fields[j]] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    return Object.fromEntries(fields.map((f) => [f, at[f]]));
  };
  const count = fields.reduce((n, f) => n * spec.grid[f].length, 1);
  if (!Number.isSafeInteger(spec.seeds) || spec.seeds < 1)
    throw new RangeError(`seeds: got ${spec.seeds}, expected an integer >= 1`);
  for (let i = 0; i < count; i++) {
    const at = coords(i);
    const config = resolveConfig({ ...spec.base, ...at, walkers: spec.seeds });
    const steps = spec.steps(config);
    if (!Number.isSafeInteger(steps) || steps < 1)
      throw new RangeError(`steps: got ${steps} at ${JSON.stringify(at)}, expected a whole number >= 1`);
    points.push({ index: i, at, config, seed: pointSeed(spec.seed, config), steps });
  }
  refuseRepeatedPoints(spec.grid, points);
  return points;
}

/** Two grid points with the same config (`--d 16,16`, or 16 and 16.0) would run the same walkers twice
 * and count them twice in the fits: refused, naming the field whose list repeats a value. */
function refuseRepeatedPoints(grid: Record<string, unknown[]>, points: readonly SweepPoint[]): void {
  const seen = new Map<string, SweepPoint>();
  for (const p of points) {
    const key = canonicalJson(p.config);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, p);
      continue;
    }
    // Either a field's values differ as typed but give the same config, or a list repeats a value.
    const differs = Object.keys(p.at).find((f) => canonicalJson(p.at[f]) !== canonicalJson(first.at[f]));
    const field =
      differs ??
      Object.keys(grid).find((f) => new Set(grid[f].map((v) => canonicalJson(v))).size < grid[f].length) ??
      "grid";
    const what = differs
      ? `${show(first.at[field])} and ${show(p.at[field])}, the same config`
      : `${show(p.at[field])} twice`;
    throw new ConfigError(field, `the list gives ${what}; each grid value must appear once`);
  }
}

/** A point's seed: a 64-bit hash of the master seed and the point's config (walkers excluded), so adding
 * values to a grid does not change the other points' results. */
export function pointSeed(master: number | string, config: Config): string {
  const { walkers: _walkers, ...rest } = config;
  const text = `${String(master)}|${canonicalJson(rest)}`;
  return BigInt(`0x${fingerprint(new TextEncoder().encode(text))}`).toString();
}

/** The directions a point measures. */
export function measuredDirections(spec: SweepSpec, config: Config): Direction[] {
  return spec.directions ?? [...spikeDirections(config)];
}

export function taskKey(task: SweepTask): string {
  return fingerprint(new TextEncoder().encode(canonicalJson(task)));
}

/** Splits every point into tasks of at most `chunk` walkers. */
export function planTasks(
  spec: SweepSpec,
  points: SweepPoint[],
  chunk: number,
): { point: number; task: SweepTask; key: string }[] {
  const out: { point: number; task: SweepTask; key: string }[] = [];
  for (const p of points) {
    const stopWhenHit = spec.stopWhenHit === false ? [] : measuredDirections(spec, p.config);
    for (let offset = 0; offset < spec.seeds; offset += chunk) {
      const walkers = Math.min(chunk, spec.seeds - offset);
      const task: SweepTask = {
        config: { ...p.config, walkers },
        seed: p.seed,
        walkerOffset: offset,
        steps: p.steps,
        stopWhenHit,
        stopAfterHit: spec.stopAfterHit ?? 1,
      };
      out.push({ point: p.index, task, key: taskKey(task) });
    }
  }
  return out;
}

/** Marks an error with the index of the task that raised it (an abort is left as it is). */
function tagTask(e: unknown, i: number): unknown {
  if (e instanceof Error && e.name !== "AbortError" && !/aborted/i.test(e.message)) {
    (e as Error & { sweepTask?: number }).sweepTask = i;
  }
  return e;
}

/** Runs the tasks on a worker pool (or inline with threads = 0), in any order; returns results in task order. */
async function execute(
  tasks: { task: SweepTask; key: string }[],
  threads: number,
  options: SweepOptions,
): Promise<TaskResult[]> {
  const results: (TaskResult | undefined)[] = tasks.map((t) => options.finished?.get(t.key));
  const work = (t: SweepTask) => t.steps * t.config.walkers * t.config.d * t.config.K;
  const workTotal = tasks.reduce((s, t) => s + work(t.task), 0);
  let done = results.filter(Boolean).length;
  let workDone = tasks.reduce((s, t, i) => s + (results[i] ? work(t.task) : 0), 0);
  const finish = (i: number, r: TaskResult) => {
    results[i] = r;
    done++;
    workDone += work(tasks[i].task);
    options.onTask?.(tasks[i].key, r);
    options.onProgress?.({ done, total: tasks.length, work: workDone, workTotal });
  };
  const pending = tasks.map((_, i) => i).filter((i) => !results[i]);
  if (threads === 0) {
    for (const i of pending) {
      if (options.signal?.aborted) throw new Error("sweep aborted");
      finish(i, await runTask(tasks[i].task).catch((e) => Promise.reject(tagTask(e, i))));
    }
  } else {
    const { Piscina } = await nodeImport<typeof import("piscina")>("piscina");
    if (options.signal) {
      // Every queued task listens to the one signal.
      const events = await nodeImport<typeof import("node:events")>("node:events");
      events.setMaxListeners(pending.length + 16, options.signal);
    }
    const pool = new Piscina({ filename: workerUrl(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
    try {
      await Promise.all(
        pending.map((i) =>
          (pool.run(tasks[i].task, { signal: options.signal }) as Promise<TaskResult>).then(
            (r) => finish(i, r),
            (e) => Promise.reject(tagTask(e, i)),
          ),
        ),
      );
    } finally {
      await pool.destroy();
    }
  }
  return results as TaskResult[];
}

/** A failed task (a diverged walker) as an error that names its grid point, first walker and seed. */
function atGridPoint(e: unknown, points: SweepPoint[], plan: { point: number; task: SweepTask }[]): unknown {
  const failed = (e as { sweepTask?: number })?.sweepTask;
  if (failed === undefined || !(e instanceof Error)) return e;
  const t = plan[failed];
  const at = Object.entries(points[t.point].at)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  // Walker numbers inside a task count from its offset.
  const message = e.message.replace(
    /of walker (\d+)/,
    (_, w: string) => `of walker ${Number(w) + t.task.walkerOffset}`,
  );
  return new Error(`grid point ${points[t.point].index} (${at || "the base config"}), seed ${t.task.seed}: ${message}`);
}

/** The compiled task module: next to this file in dist/, or dist/ when running from src/ (tests). */
function workerUrl(): string {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith(".ts")) return new URL("../../dist/experiments/sweep-task.js", here).href;
  return new URL("./sweep-task.js", here).href;
}

/** Joins a point's task results (walker chunks) into one ensemble, as if run together. */
function mergeChunks(parts: TaskResult[]): TaskResult {
  const steps = [...new Set(parts.flatMap((p) => p.logSteps))].sort((a, b) => a - b);
  const logOverlaps = steps.map((s) =>
    parts.flatMap((p) => {
      // A chunk whose walkers all froze early stops logging: its later rows repeat its last one.
      let j = p.logSteps.indexOf(s);
      if (j < 0) j = p.logSteps.length - 1;
      return p.logOverlaps[j];
    }),
  );
  return {
    hits: parts.flatMap((p) => p.hits),
    walkerSteps: parts.flatMap((p) => p.walkerSteps),
    overlaps: parts.flatMap((p) => p.overlaps),
    logSteps: steps,
    logOverlaps,
  };
}

/** One grid point's result from its walkers' hits and overlaps: per direction the hits, final overlaps and median. */
export function summarisePoint(spec: SweepSpec, p: SweepPoint, r: TaskResult): PointResult {
  const { K } = p.config;
  const directions: Partial<Record<Direction, DirectionResult>> = {};
  for (const dir of measuredDirections(spec, p.config)) {
    const j = DIRECTIONS.indexOf(dir);
    const hits = earliestHits(r.hits, spec.seeds, K, j);
    const finalOverlap = bestOverlaps(r.overlaps, spec.seeds, K, j);
    directions[dir] = { hits, finalOverlap, median: medianCI(hits, { seed: p.index + 1 }) };
  }
  return { ...p, directions, log: { steps: r.logSteps, overlaps: r.logOverlaps } };
}

/** Fits n*(d) per direction for every combination of the non-d grid fields (needs d in the grid). */
export function scalingFits(spec: SweepSpec, points: PointResult[]): ScalingFit[] {
  if (!("d" in spec.grid) || spec.grid.d.length < 2) return [];
  const groups = new Map<string, PointResult[]>();
  for (const p of points) {
    const { d: _d, ...rest } = p.at;
    const key = canonicalJson(rest);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const fits: ScalingFit[] = [];
  for (const group of groups.values()) {
    const { d: _d, ...at } = group[0].at;
    const dirs = Object.keys(group[0].directions) as Direction[];
    for (const direction of dirs) {
      const pts = group.map((p) => ({ d: p.config.d, hits: (p.directions[direction] as DirectionResult).hits }));
      fits.push({ direction, at, fit: fitExponent(pts), logCorrectedFit: fitExponent(pts, { logCorrected: true }) });
    }
  }
  return fits;
}

/** Runs a sweep. */
export async function runSweep(spec: SweepSpec, options: SweepOptions = {}): Promise<SweepResult> {
  const points = expandGrid(spec);
  const threads = options.threads ?? (await defaultThreads());
  const chunk = options.chunk ?? Math.max(1, Math.ceil(spec.seeds / Math.max(1, threads * 2)));
  const plan = planTasks(spec, points, chunk);
  let results: TaskResult[];
  try {
    results = await execute(plan, threads, options);
  } catch (e) {
    throw atGridPoint(e, points, plan);
  }
  const byPoint = points.map((p) =>
    plan.map((t, i) => (t.point === p.index ? results[i] : null)).filter((r): r is TaskResult => r !== null),
  );
  const summaries = points.map((p, i) => summarisePoint(spec, p, mergeChunks(byPoint[i])));
  return {
    spec: { base: spec.base, grid: spec.grid, seeds: spec.seeds, seed: String(spec.seed) },
    points: summaries,
    fits: scalingFits(spec, summaries),
  };
}

/** A Node-only module (worker threads, cores), through a variable specifier that bundlers leave alone: the
 * browser path runs sweeps with threads 0 and never reaches these imports. */
const nodeImport = <T>(name: string): Promise<T> => import(/* @vite-ignore */ /* webpackIgnore: true */ name);

async function defaultThreads(): Promise<number> {
  if (typeof navigator !== "undefined" && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  const os = await nodeImport<typeof import("node:os")>("node:os");
  return Math.max(1, os.availableParallelism());
}
